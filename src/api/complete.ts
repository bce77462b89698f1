// `complete`: runs contract, but only after proving that no row still needs backfill. A migration a
// killed `complete` left with every contract step committed is found completed, not contracted twice;
// completing a completed migration succeeds and changes nothing.
import { leaseHeldThenRun } from '../errors/index.js';
import { verifyBackfillComplete } from '../../phases/contract.js';
import { decide } from '../lifecycle/decide.js';
import { obey } from '../lifecycle/decision.js';
import { reconcileMigration } from './reconcile-migration.js';
import { resolveMigration } from './resolve-migration.js';
import { runUnderLease, type MigrationResult } from './run-migration.js';
import { withSession, type MigrationCallInput } from './session.js';

export type CompleteInput = MigrationCallInput;

export async function completeMigration(input: CompleteInput): Promise<MigrationResult> {
  return withSession(
    input,
    async (session) => {
      const { name, options } = await resolveMigration(session, input.migration);
      return runUnderLease(session, {
        migration: name,
        options: { ...options, complete: true },
        signal: input.signal,
        prepare: async (s) => {
          const { record: current, pointOfNoReturn } = await reconcileMigration(s, name);
          const action = obey(decide('complete', current, { pointOfNoReturn }));
          if (action.kind === 'report') return { result: { status: current.status, phase: current.phase } };
          if (action.proveBackfill) await verifyBackfillComplete({ sql: s.sql, store: s.store, migration: name }, current.plan);
          await s.ledger.logEvent(name, 'complete-requested');
          return { plan: current.plan, from: action.from };
        },
      }).catch(leaseHeldThenRun(`online complete ${name}`));
    },
    4,
  );
}
