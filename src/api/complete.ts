// `complete`: runs contract, but only after proving that no row still needs backfill. A migration a
// killed `complete` left with every contract step committed is found completed, not contracted twice;
// completing a completed migration succeeds and changes nothing.
import { verifyBackfillComplete } from '../../phases/contract.js';
import { BackfillIncompleteError, MigrationStateError } from '../errors/index.js';
import { logEvent } from '../state/event-log.js';
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
          // Idempotent: completing a completed migration (e.g. again after a crash) changes nothing and succeeds.
          if (current.status === 'completed') return { result: { status: current.status, phase: current.phase } };
          if (current.status === 'rolled_back') throw new MigrationStateError(`migration "${name}" was rolled back; start it again first`);
          if (current.phase === 'rollback')
            throw new MigrationStateError(`migration "${name}" is being rolled back; run \`online rollback ${name}\` to finish that`);
          if (current.phase === 'expand' || current.phase === 'backfill') {
            throw new BackfillIncompleteError(name, `it is still in its ${current.phase} phase (status ${current.status})`);
          }
          // Past the point of no return the proof held when that step ran, and may no longer compile.
          if (pointOfNoReturn === undefined) await verifyBackfillComplete({ sql: s.sql, store: s.store, migration: name }, current.plan);
          await logEvent(s.sql, s.store, name, 'complete-requested');
          return { plan: current.plan, from: 'contract' };
        },
      });
    },
    4,
  );
}
