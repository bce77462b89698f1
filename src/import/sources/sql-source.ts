// Plain SQL: one .sql file, or a directory's .sql files (not its subdirectories) in byte order of name.
import { basename, join } from 'node:path';
import { ImportError } from '../../errors/index.js';
import type { SourceMigration } from '../import-types.js';
import { byteOrder, isDirectory, listDirectory, wholeFileMigration } from './source-files.js';

export async function readSqlMigrations(path: string): Promise<readonly SourceMigration[]> {
  if (!(await isDirectory(path))) {
    if (!path.endsWith('.sql')) throw new ImportError('IMPORT_SOURCE_LAYOUT', `${path}: not a .sql file`);
    return [await wholeFileMigration('sql', basename(path, '.sql'), path, path)];
  }
  const names = (await listDirectory(path))
    .filter((e) => !e.isDirectory && e.name.endsWith('.sql'))
    .map((e) => e.name)
    .sort(byteOrder);
  return Promise.all(names.map((name) => wholeFileMigration('sql', basename(name, '.sql'), path, join(path, name))));
}
