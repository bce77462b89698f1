// What a run prepares after a reconnect: whatever the ledger recorded, it goes on from there. A
// migration that settled meanwhile (its last step committed just before the connection dropped) is
// reported as it is; otherwise the run continues from its recorded phase.
import type { RunOptions } from '../settings/run-options.js';
import { decide } from '../lifecycle/decide.js';
import { obey } from '../lifecycle/decision.js';
import { reconcileMigration } from './reconcile-migration.js';
import type { LeasedRun } from './run-migration.js';
import type { Session } from './session.js';

/** undefined when the migration was never recorded (the lost attempt committed nothing). */
export async function continueRecorded(session: Session, name: string, options: RunOptions): Promise<LeasedRun | undefined> {
  if ((await session.ledger.migration(name)) === undefined) return undefined;
  const { record } = await reconcileMigration(session, name);
  const action = obey(decide('reconnect', record, { runsContract: options.complete }));
  if (action.kind === 'report') return { result: { status: record.status, phase: record.phase } };
  await session.ledger.logEvent(name, 'reconnected', { phase: record.phase, from: record.status });
  return { plan: record.plan, from: action.from };
}
