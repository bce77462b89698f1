// The names the importer gives: each source migration keeps the tool's own name for it as its online
// migration name (so `online history` and the tool's ledger speak of the same thing), and a source
// migration split into parts names each part after it. File names take the directory's next number
// prefix, so file-name order (online's apply order) is the tool's apply order.
import { migrationName } from '../migration-spec/migration-spec.js';
import type { SourceMigration } from './import-types.js';

const maxBase = 180;

/** `20240101120000_add_priority`, `0001_brave_hulk`, `V2__add_priority` (Flyway's `.sql` dropped). */
export function baseMigrationName(migration: SourceMigration): string {
  const name = migration.id
    .replace(/\.sql$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, maxBase);
  const checked = migrationName.safeParse(name);
  return checked.success ? checked.data : `${migration.tool}-migration`;
}

/** The part's migration name: the base alone when there is one part, else `<base>-part-<k>`. */
export function partMigrationName(base: string, part: number, parts: number): string {
  return parts === 1 ? base : `${base}-part-${String(part).padStart(String(parts).length, '0')}`;
}

/** Whether the directory already holds this source migration (whole, or any part of it). */
export function alreadyImported(existingNames: ReadonlySet<string>, base: string): boolean {
  if (existingNames.has(base)) return true;
  for (const name of existingNames) if (/^-part-\d+$/.test(name.slice(base.length)) && name.startsWith(base)) return true;
  return false;
}
