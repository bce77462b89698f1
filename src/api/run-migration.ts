// Runs a recorded migration under its lease: the common tail of start, resume, complete and rollback.
// A lost connection is an event, not a failure: the run waits for the server (--reconnect-timeout),
// opens a fresh pool, retakes its lease and prepares again from what the ledger recorded, so it
// continues from the last committed batch or step (every step and batch is safe to repeat). An
// `online stop` from any host ends the run like a signal does (see stop-watch.ts).
import type { RunContext } from '../../phases/run-context.js';
import { isConnectionLoss } from '../db/connection-loss.js';
import { ConnectionLostError } from '../errors/index.js';
import type { OperationPlan } from '../plan/plan.js';
import type { RunOptions } from '../settings/run-options.js';
import type { MigrationPhase } from '../state/migration-records.js';
import { driveMigration, type DriveResult } from './drive-migration.js';
import { reconnect } from './reconnect.js';
import type { Session } from './session.js';
import { watchStopRequests } from './stop-watch.js';

export interface MigrationResult extends DriveResult {
  readonly migration: string;
}

/** What a command decided under the lease: drive the migration from a phase, or report that it is already where it should be. */
export type LeasedRun =
  { readonly plan: OperationPlan; readonly from: MigrationPhase; readonly changedBefore?: boolean } | { readonly result: DriveResult };

/** Decides, under the lease and on the given session, what to run. Must be safe to call again after a reconnect. */
export type PrepareRun = (session: Session) => Promise<LeasedRun>;

export interface LeasedRunInput {
  readonly migration: string;
  readonly options: RunOptions;
  readonly signal: AbortSignal | undefined;
  readonly prepare: PrepareRun;
  /** What to prepare after a reconnect, when it differs from `prepare` (start: continue what was recorded). */
  readonly prepareAgain?: PrepareRun;
}

export async function runUnderLease(session: Session, input: LeasedRunInput): Promise<MigrationResult> {
  const { migration, options } = input;
  let current = session;
  // Read before the lease is taken: an `online stop` that saw this run holding it comes after.
  const stopWatch = watchStopRequests(() => current.ledger, migration, await current.ledger.lastEventId(migration));
  const signal = anySignal(input.signal, stopWatch.signal);
  let lease = await current.ledger.acquireLease(migration).catch(async (error: unknown) => {
    await stopWatch.close();
    throw error;
  });
  let prepare = input.prepare;
  let reconnected = false;
  try {
    for (;;) {
      try {
        const run = await prepare(current);
        if ('result' in run) return { migration, ...run.result };
        const ctx: RunContext = {
          sql: current.sql,
          store: current.store,
          ledger: current.ledger,
          migration,
          options,
          emit: current.emit,
          signal: anySignal(signal, lease.lost),
        };
        // After a reconnect nobody can say what the lost attempt committed: never claim "nothing changed".
        return {
          migration,
          ...(await driveMigration(ctx, run.plan, run.from, { changedBefore: reconnected || run.changedBefore === true })),
        };
      } catch (error) {
        const lost = lease.lost.aborted || isConnectionLoss(error);
        if (!lost || signal?.aborted === true) throw error;
        if (options.reconnectTimeoutMs === 0) throw new ConnectionLostError(migration, 0, { cause: error });
        await lease.release().catch(() => undefined);
        const next = await reconnect(
          current,
          migration,
          options.reconnectTimeoutMs,
          signal,
          lease.lost.aborted ? lease.lost.reason : error,
        );
        current = next.session;
        lease = next.lease;
        prepare = input.prepareAgain ?? input.prepare;
        reconnected = true;
      }
    }
  } finally {
    await stopWatch.close();
    await lease.release().catch(() => undefined);
    if (current !== session) await current.close().catch(() => undefined);
  }
}

function anySignal(stop: AbortSignal | undefined, other: AbortSignal): AbortSignal {
  return stop === undefined ? other : AbortSignal.any([stop, other]);
}
