// Paths of the project (config file, migrations directory): what is there, without throwing when nothing
// is, and how to show them.
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export type PathKind = 'file' | 'directory' | 'other';

export async function pathKind(path: string): Promise<PathKind | undefined> {
  try {
    const found = await stat(path);
    return found.isFile() ? 'file' : found.isDirectory() ? 'directory' : 'other';
  } catch {
    return undefined;
  }
}

/** A path as the user sees it: relative to the working directory when inside it, with forward slashes. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel.split(sep).join('/');
}
