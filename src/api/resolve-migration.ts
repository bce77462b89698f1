// Finds the migration a command acts on: the named one, or the only active one.
import { AmbiguousMigrationError, MigrationNotFoundError } from '../errors/index.js';
import { finishedStatuses, getMigration, listMigrations, type MigrationRecord } from '../state/migration-records.js';
import { stateSchemaExists } from '../state/state-schema.js';
import type { Session } from './session.js';

export async function resolveMigration(session: Session, name: string | undefined): Promise<MigrationRecord> {
  if (!(await stateSchemaExists(session.sql, session.store))) throw new MigrationNotFoundError(name);
  if (name !== undefined) {
    const found = await getMigration(session.sql, session.store, name);
    if (found === undefined) throw new MigrationNotFoundError(name);
    return found;
  }
  const active = (await listMigrations(session.sql, session.store)).filter((m) => !finishedStatuses.includes(m.status));
  if (active.length > 1) throw new AmbiguousMigrationError(active.map((m) => m.name));
  const only = active[0];
  if (only === undefined) throw new MigrationNotFoundError(undefined);
  return only;
}
