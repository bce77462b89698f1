// `rollback`: undoes expand (triggers, constraints, the new column). Refused once contract has passed
// its point of no return (a step rollback cannot undo, such as the swap that drops the old column),
// whatever the status column says; running it again after it finished is a no-op.
import { leaseHeldThenRun } from '../errors/index.js';
import { decide } from '../lifecycle/decide.js';
import { obey } from '../lifecycle/decision.js';
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
      // Before the lease only a finished rollback is answered; the rest is decided under it, reconciled.
      const early = decide('rollback', found, { pointOfNoReturn: undefined });
      if ('action' in early && early.action.kind === 'report') return { migration: found.name, status: found.status, phase: found.phase };
      const name = found.name;
      return runUnderLease(session, {
        migration: name,
        options: found.options,
        signal: input.signal,
        prepare: async (s) => {
          const { record, pointOfNoReturn } = await reconcileMigration(s, name);
          const action = obey(decide('rollback', record, { pointOfNoReturn }));
          if (action.kind === 'report') return { result: { status: record.status, phase: record.phase } };
          if (action.begin) {
            await s.ledger.transaction(async (ledger) => {
              await ledger.clearSteps(name, 'rollback');
              await ledger.updateMigration(name, { phase: 'rollback' });
              await ledger.logEvent(name, 'rollback-requested', { from: record.phase });
            });
          }
          return { plan: record.plan, from: action.from };
        },
      }).catch(leaseHeldThenRun(`online rollback ${name}`));
    },
    4,
  );
}
