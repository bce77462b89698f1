// A migration tool's migrations, read in the order the tool applies them, the tool given or detected.
import { dirname, resolve } from 'node:path';
import { ImportError } from '../../errors/index.js';
import type { SourceMigration, SourceTool } from '../import-types.js';
import { detectSourceTool } from './detect-source.js';
import { readDrizzleMigrations } from './drizzle-source.js';
import { readFlywayMigrations } from './flyway-source.js';
import { readNodePgMigrateMigrations } from './node-pg-migrate-source.js';
import { readPrismaMigrations } from './prisma-source.js';
import type { SkippedSourceFile } from './skipped-source-file.js';
import { isDirectory } from './source-files.js';
import { readSqlMigrations } from './sql-source.js';

export type { SkippedSourceFile } from './skipped-source-file.js';

export interface SourceRead {
  /** The tool: `from`, or detected from the layout. */
  readonly tool: SourceTool;
  readonly migrations: readonly SourceMigration[];
  /** Files of the tool's directory left out, and why (Flyway's repeatable and undo scripts). */
  readonly skipped: readonly SkippedSourceFile[];
}

/** Every migration under `path` (a file or a directory) in the tool's apply order. */
export async function readSourceMigrations(path: string, from?: SourceTool): Promise<SourceRead> {
  const tool = from ?? (await detectSourceTool(path));
  const directory = await isDirectory(path);
  if (!directory && tool !== 'sql' && tool !== 'flyway' && tool !== 'node-pg-migrate') {
    throw new ImportError('IMPORT_SOURCE_LAYOUT', `${path} is a file: give the ${tool} migrations directory`);
  }
  const { migrations, skipped } = await readTool(tool, path, directory);
  if (migrations.length === 0) {
    throw new ImportError(
      'IMPORT_SOURCE_EMPTY',
      `${path}: no ${tool} migrations to import${skipped.length > 0 ? ` (${skipped.length} file${skipped.length === 1 ? '' : 's'} skipped: ${skipped.map((s) => s.file).join(', ')})` : ''}`,
    );
  }
  return { tool, migrations, skipped };
}

async function readTool(
  tool: SourceTool,
  path: string,
  directory: boolean,
): Promise<{ migrations: readonly SourceMigration[]; skipped: readonly SkippedSourceFile[] }> {
  switch (tool) {
    case 'prisma':
      return { migrations: await readPrismaMigrations(path), skipped: [] };
    case 'drizzle':
      return { migrations: await readDrizzleMigrations(path), skipped: [] };
    case 'node-pg-migrate':
      return {
        migrations: directory ? await readNodePgMigrateMigrations(path) : await readSingle(path, readNodePgMigrateMigrations),
        skipped: [],
      };
    case 'flyway':
      return directory
        ? readFlywayMigrations(path)
        : { migrations: await readSingle(path, async (dir) => (await readFlywayMigrations(dir)).migrations), skipped: [] };
    case 'sql':
      return { migrations: await readSqlMigrations(path), skipped: [] };
  }
}

/** One file of a directory-based tool: the directory read, keeping that file. */
async function readSingle(path: string, read: (dir: string) => Promise<readonly SourceMigration[]>): Promise<readonly SourceMigration[]> {
  const all = await read(dirname(path));
  return all.filter((m) => resolve(m.path) === resolve(path));
}
