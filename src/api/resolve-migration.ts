// Finds the migration a command acts on: the named one, or the only active one.
import { AmbiguousMigrationError, MigrationNotFoundError } from '../errors/index.js';
import { isFinished } from '../lifecycle/migration-status.js';
import type { MigrationRecord } from '../state/migration-records.js';
import type { Session } from './session.js';

/**
 * `actsOn`: without a name, the active migrations the command could act on are the candidates (a
 * refusal lists only those); when none could, every active one is, so the command's own rule explains.
 */
export async function resolveMigration(
  session: Session,
  name: string | undefined,
  actsOn: (m: MigrationRecord) => boolean = () => true,
): Promise<MigrationRecord> {
  const { ledger } = session;
  if (!(await ledger.schemaExists())) throw new MigrationNotFoundError(name);
  if (name !== undefined) {
    const found = await ledger.migration(name);
    if (found === undefined) throw new MigrationNotFoundError(name);
    return found;
  }
  const unfinished = (await ledger.migrations()).filter((m) => !isFinished(m.status));
  const eligible = unfinished.filter(actsOn);
  const active = eligible.length > 0 ? eligible : unfinished;
  if (active.length > 1) throw new AmbiguousMigrationError(active.map((m) => m.name));
  const only = active[0];
  if (only === undefined) throw new MigrationNotFoundError(undefined);
  return only;
}
