// The file-system reads every source reader shares: what is in a directory, a file's text, and a
// SourceMigration built from it, with errors that name the path.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ImportError } from '../../errors/index.js';
import type { SourceMigration, SourceTool } from '../import-types.js';

export interface DirectoryEntry {
  readonly name: string;
  readonly isDirectory: boolean;
}

/** The entries of a directory (dotfiles left out: every tool ignores them); an ImportError when unreadable. */
export async function listDirectory(path: string): Promise<readonly DirectoryEntry[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.filter((e) => !e.name.startsWith('.')).map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
  } catch (cause) {
    throw new ImportError('IMPORT_SOURCE_UNREADABLE', `cannot read the directory ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** Whether `path` is a directory (false for a file); an ImportError when it does not exist. */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (cause) {
    throw new ImportError('IMPORT_SOURCE_MISSING', `${path} does not exist: give a migration file or a directory of migrations`, {
      cause,
    });
  }
}

/** Whether a path exists, for the layout probes. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A file's text as UTF-8, without a leading byte-order mark (Flyway drops it too; PostgreSQL's parser would refuse it). */
export async function readText(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  } catch (cause) {
    throw new ImportError('IMPORT_SOURCE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** A path relative to the one given to import, with `/` separators on every platform. */
export function relativeFile(root: string, path: string): string {
  const rel = relative(root, path);
  return (rel === '' ? (path.split(sep).at(-1) ?? path) : rel).split(sep).join('/');
}

/** A migration whose SQL is the whole file, from line 1. */
export async function wholeFileMigration(tool: SourceTool, id: string, root: string, path: string): Promise<SourceMigration> {
  return { tool, id, file: relativeFile(root, path), path, sql: await readText(path), firstLine: 1 };
}

/** Every file under `dir`, recursively, as paths relative to it (`/`-separated), dotfiles and dot-directories left out. */
export async function filesBelow(dir: string, prefix = ''): Promise<readonly string[]> {
  const out: string[] = [];
  for (const entry of await listDirectory(join(dir, prefix))) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) out.push(...(await filesBelow(dir, rel)));
    else out.push(rel);
  }
  return out;
}

/** Byte order of names (what `ls` under LC_ALL=C and most runners give), not the locale's. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
