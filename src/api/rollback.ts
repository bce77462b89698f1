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
  return withSession(
    input,
    async (session) => {
      const found = await resolveMigration(session, input.migration);
      if (found.status === 'rolled_back') return { migration: found.name, status: found.status, phase: found.phase };
      const name = found.name;
      return runUnderLease(session, {
        migration: name,
        options: found.options,
        signal: input.signal,
        prepare: async (s) => {
          const { record, pointOfNoReturn } = await reconcileMigration(s, name);
          if (record.status === 'rolled_back') return { result: { status: record.status, phase: record.phase } };
          if (record.status === 'completed') {
            throw new MigrationStateError(`migration "${name}" is completed; contract cannot be undone by rollback`);
          }
          if (pointOfNoReturn !== undefined && record.phase !== 'rollback') {
            throw new MigrationStateError(
              `migration "${name}" is past its point of no return: contract step ${pointOfNoReturn.index + 1} (${pointOfNoReturn.description}) has committed, ` +
                `so rollback can no longer restore the original; run \`online complete ${name}\` to finish it`,
            );
          }
          if (record.phase !== 'rollback') {
            await s.sql.begin(async (tx) => {
              await clearSteps(tx, s.store, name, 'rollback');
              await updateMigration(tx, s.store, name, { phase: 'rollback' });
              await logEvent(tx, s.store, name, 'rollback-requested', { from: record.phase });
            });
          }
          return { plan: record.plan, from: 'rollback' };
        },
      });
    },
    4,
  );
}
