// node-pg-migrate's SQL migrations: `<timestamp>_<name>.sql` in one directory, each with `-- Up Migration`
// and `-- Down Migration` parts. Only the up part runs forward. Its JS/TS migrations are programs, not SQL.
import { extname, join } from 'node:path';
import { ImportError } from '../../errors/index.js';
import type { SourceMigration } from '../import-types.js';
import { exists, listDirectory, readText, relativeFile } from './source-files.js';

/** node-pg-migrate's own marker test (sqlMigration.ts): a line `-- Up Migration`, any case, dashes and spaces after `--`. */
const marker = (direction: 'up' | 'down'): RegExp => new RegExp(`^\\s*--[\\s-]*${direction}\\s+migration`, 'im');
export const upMarker = marker('up');
const downMarker = marker('down');

const programExtensions = new Set(['.js', '.cjs', '.mjs', '.ts', '.cts', '.mts']);

/** The migrations directory: `path` itself, or node-pg-migrate's default `migrations/` below the project given. */
export async function nodePgMigrateDirectory(path: string): Promise<string> {
  const own = (await listDirectory(path)).some(
    (e) => !e.isDirectory && (extname(e.name) === '.sql' || programExtensions.has(extname(e.name))),
  );
  return !own && (await exists(join(path, 'migrations'))) ? join(path, 'migrations') : path;
}

export async function readNodePgMigrateMigrations(path: string): Promise<readonly SourceMigration[]> {
  const dir = await nodePgMigrateDirectory(path);
  const names = (await listDirectory(dir)).filter((e) => !e.isDirectory).map((e) => e.name);
  const programs = names.filter((n) => programExtensions.has(extname(n)));
  if (programs.length > 0) {
    throw new ImportError(
      'IMPORT_SOURCE_PROGRAM',
      `${dir}: ${programs.length} node-pg-migrate migration${programs.length === 1 ? ' is' : 's are'} JavaScript/TypeScript (${programs.join(', ')}): ` +
        'a program builds its SQL when it runs, so there is no SQL to read and translate. Generate the SQL it runs ' +
        '(node-pg-migrate up --dry-run prints it) into a .sql migration with -- Up Migration / -- Down Migration parts, or write the change as an online spec',
    );
  }
  const sqlNames = names.filter((n) => extname(n) === '.sql').sort(nodePgMigrateOrder);
  const migrations: SourceMigration[] = [];
  for (const name of sqlNames) {
    const file = join(dir, name);
    const content = await readText(file);
    const up = upPart(content);
    migrations.push({
      tool: 'node-pg-migrate',
      id: name.slice(0, -'.sql'.length),
      file: relativeFile(path, file),
      path: file,
      sql: up.sql,
      firstLine: up.firstLine,
    });
  }
  return migrations;
}

/** What node-pg-migrate runs forward: from the up marker to the down marker (or the end); the whole file without an up marker. */
export function upPart(content: string): { readonly sql: string; readonly firstLine: number } {
  const upStart = content.search(upMarker);
  const downStart = content.search(downMarker);
  if (upStart < 0) return { sql: content, firstLine: 1 };
  const sql = content.slice(upStart, downStart < upStart ? undefined : downStart);
  return { sql, firstLine: 1 + (content.slice(0, upStart).match(/\n/g)?.length ?? 0) };
}

/** node-pg-migrate's file order (migration.ts): by the numeric prefix before `_`, then by a numeric-aware compare. */
export function nodePgMigrateOrder(a: string, b: string): number {
  return (
    numericPrefix(a) - numericPrefix(b) ||
    a.localeCompare(b, undefined, { usage: 'sort', numeric: true, sensitivity: 'variant', ignorePunctuation: true })
  );
}

/** A 13-digit prefix is a timestamp in ms, a 17-digit one a UTC date (`20200513070724505`), anything else its number or 0. */
function numericPrefix(name: string): number {
  const prefix = name.split('_')[0] ?? '';
  if (/^\d+$/.test(prefix) && prefix.length === 17) {
    const p = (from: number, to: number): string => prefix.slice(from, to);
    return new Date(`${p(0, 4)}-${p(4, 6)}-${p(6, 8)}T${p(8, 10)}:${p(10, 12)}:${p(12, 14)}.${p(14, 17)}Z`).valueOf();
  }
  return Number(prefix) || 0;
}
