// `rollback`: undoes expand (triggers, constraints, the new column). Refused once contract has passed
// its point of no return (a step rollback cannot undo, such as the swap that drops the old column),
// whatever the status column says; running it again after it finished is a no-op.
import { MigrationStateError } from '../errors/index.js';
import { logEvent } from '../state/event-log.js';
import { clearSteps } from '../state/step-records.js';
import { updateMigration } from '../state/migration-records.js';
import { reconcileMigration } from './reconcile-migration.js';
import { resolveMigration } from './resolve-migration.js';
import { runUnderLease, type MigrationResult } from './run-migration.js';
import { withSession, type MigrationCallInput } from './session.js';

export type RollbackInput = MigrationCallInput;

export async function rollbackMigration(input: RollbackInput): Promise<MigrationResult> {
  return withSession(input, async (session) => {
    const found = await resolveMigration(session, input.migration);
    if (found.status === 'rolled_back') return { migration: found.name, status: found.status, phase: found.phase };
    return runUnderLease(session, found.name, found.options, input.signal, async () => {
      const { record, pointOfNoReturn } = await reconcileMigration(session, found.name);
      if (record.status === 'rolled_back') return { result: { status: record.status, phase: record.phase } };
      if (record.status === 'completed') {
        throw new MigrationStateError(`migration "${found.name}" is completed; contract cannot be undone by rollback`);
      }
      if (pointOfNoReturn !== undefined && record.phase !== 'rollback') {
        throw new MigrationStateError(
          `migration "${found.name}" is past its point of no return: contract step ${pointOfNoReturn.index + 1} (${pointOfNoReturn.description}) has committed, ` +
            `so rollback can no longer restore the original; run \`online complete ${found.name}\` to finish it`,
        );
      }
      if (record.phase !== 'rollback') {
        await session.sql.begin(async (tx) => {
          await clearSteps(tx, session.store, found.name, 'rollback');
          await updateMigration(tx, session.store, found.name, { phase: 'rollback' });
          await logEvent(tx, session.store, found.name, 'rollback-requested', { from: record.phase });
        });
      }
      return { plan: record.plan, from: 'rollback' };
    });
  }, 4);
}
