// A directory of migration specs, as Alembic users keep them under version control: every `.yaml`,
// `.yml` and `.json` file, applied in file-name order (a zero-padded number or a timestamp prefix both
// sort). Each file is validated on its own; the problems of all files are collected, so `check` can
// report them together and `migrate` can refuse before changing anything.
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { MigrationsDirMissingError, SpecError } from '../errors/index.js';
import { loadSpecFile, specHash } from './load-spec.js';
import type { MigrationSpec } from './migration-spec.js';

export const specExtensions: readonly string[] = ['.yaml', '.yml', '.json'];

export interface SpecFile {
  /** The file name, e.g. `0002-ticket-priority.yaml`. */
  readonly file: string;
  readonly path: string;
  readonly spec: MigrationSpec;
  /** specHash of the validated spec: what the ledger stores, to detect an applied file edited later. */
  readonly hash: string;
}

export interface SpecProblem {
  readonly file: string;
  readonly messages: readonly string[];
}

export interface SpecDirectory {
  readonly dir: string;
  /** The valid specs, in the order they apply. */
  readonly files: readonly SpecFile[];
  readonly problems: readonly SpecProblem[];
}

/** Byte order of the names, the same on every machine and locale. */
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export async function readSpecDirectory(dir: string): Promise<SpecDirectory> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && specExtensions.includes(extname(e.name).toLowerCase()))
      .map((e) => e.name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new MigrationsDirMissingError(dir);
    throw new SpecError(dir, [`cannot read the migrations directory: ${(error as NodeJS.ErrnoException).code ?? String(error)}`], {
      cause: error,
    });
  }
  const files: SpecFile[] = [];
  const problems: SpecProblem[] = [];
  const seen = new Map<string, string>();
  for (const file of names.sort(byName)) {
    const path = join(dir, file);
    try {
      const spec = await loadSpecFile(path);
      const earlier = seen.get(spec.name);
      if (earlier !== undefined) {
        problems.push({ file, messages: [`migration name "${spec.name}" is already used by ${earlier}`] });
        continue;
      }
      seen.set(spec.name, file);
      files.push({ file, path, spec, hash: specHash(spec) });
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      problems.push({ file, messages: error.issues });
    }
  }
  return { dir, files, problems };
}

/** Throws one SpecError naming every invalid file; `migrate` changes nothing unless all are valid. */
export function requireValidDirectory(directory: SpecDirectory): readonly SpecFile[] {
  if (directory.problems.length > 0) {
    throw new SpecError(
      directory.dir,
      directory.problems.flatMap((p) => p.messages.map((m) => `${p.file}: ${m}`)),
    );
  }
  return directory.files;
}
