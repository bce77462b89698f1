// What a run prepares after a reconnect: whatever the ledger recorded, it goes on from there. A
// migration that settled meanwhile (its last step committed just before the connection dropped) is
// reported as it is; otherwise the run continues from its recorded phase.
import type { RunOptions } from '../settings/run-options.js';
import { logEvent } from '../state/event-log.js';
import { getMigration } from '../state/migration-records.js';
import { reconcileMigration } from './reconcile-migration.js';
import type { LeasedRun } from './run-migration.js';
import type { Session } from './session.js';

/** undefined when the migration was never recorded (the lost attempt committed nothing). */
export async function continueRecorded(session: Session, name: string, options: RunOptions): Promise<LeasedRun | undefined> {
  if ((await getMigration(session.sql, session.store, name)) === undefined) return undefined;
  const { record } = await reconcileMigration(session, name);
  const settled =
    record.status === 'completed' || record.status === 'rolled_back' || (record.status === 'awaiting_contract' && !options.complete);
  if (settled) return { result: { status: record.status, phase: record.phase } };
  await logEvent(session.sql, session.store, name, 'reconnected', { phase: record.phase, from: record.status });
  return { plan: record.plan, from: record.phase };
}
