// The phase state machine: runs a migration from its recorded phase onward and records every
// transition, failure and stop in the ledger. A transition that ends a phase with steps commits in
// the transaction of its last step (see runSteps), so the ledger never says "running" about a
// migration whose schema is already in its final shape.
import { runBackfill } from '../../phases/backfill.js';
import { runContract } from '../../phases/contract.js';
import { runExpand } from '../../phases/expand.js';
import { runRollback } from '../../phases/rollback.js';
import type { RunContext } from '../../phases/run-context.js';
import type { PhaseFinish } from '../../phases/run-steps.js';
import { errorMessage } from '../db/connect.js';
import { maskSecrets } from '../db/mask-secrets.js';
import { MigrationFailedError, OnlineError, StoppedError } from '../errors/index.js';
import type { OnlineEvent } from '../events.js';
import type { OperationPlan } from '../plan/plan.js';
import { logEvent } from '../state/event-log.js';
import { updateMigration, type MigrationPhase, type MigrationStatus } from '../state/migration-records.js';
import type { Db } from '../state/state-store.js';

export interface DriveResult {
  readonly status: MigrationStatus;
  readonly phase: MigrationPhase;
}

export interface DriveOptions {
  /** This command already changed the database (start recorded the migration) before driving it. */
  readonly changedBefore: boolean;
}

export async function driveMigration(
  runContext: RunContext,
  plan: OperationPlan,
  from: MigrationPhase,
  drive: DriveOptions = { changedBefore: false },
): Promise<DriveResult> {
  // Exit 2 promises that nothing was changed: once a step or batch of this command has committed, a
  // failure is a recorded, resumable one (exit 1) whatever its kind.
  let changed = drive.changedBefore;
  const ctx: RunContext = {
    ...runContext,
    emit: (event: OnlineEvent) => {
      if ((event.type === 'step' && !event.skipped) || event.type === 'batch') changed = true;
      runContext.emit(event);
    },
  };
  const set = (status: MigrationStatus, phase: MigrationPhase) =>
    updateMigration(ctx.sql, ctx.store, ctx.migration, { status, phase, error: null });
  const closing =
    (status: MigrationStatus, next: MigrationPhase): PhaseFinish =>
    (tx) =>
      recordFinish(tx, status, next);
  let phase = from;
  try {
    await set('running', phase);
    if (phase === 'expand') {
      await runExpand(ctx, plan);
      phase = 'backfill';
      await set('running', phase);
    }
    if (phase === 'backfill') {
      await runBackfill(ctx, plan.backfill);
      phase = 'contract';
      if (!ctx.options.complete) return await finish('awaiting_contract', phase, false);
      await set('running', phase);
    }
    if (phase === 'contract') {
      const committed = await runContract(ctx, plan, closing('completed', 'done'));
      return await finish('completed', 'done', committed);
    }
    if (phase === 'rollback') {
      const committed = await runRollback(ctx, plan, closing('rolled_back', 'done'));
      return await finish('rolled_back', 'done', committed);
    }
    return { status: 'completed', phase };
  } catch (error) {
    const stopped = error instanceof StoppedError;
    const keep = error instanceof OnlineError && !(changed && error.exitCode === 2);
    const recorded = keep ? error : new MigrationFailedError(ctx.migration, phase, errorMessage(error), { cause: error });
    const message = maskSecrets(recorded.message, []);
    await updateMigration(ctx.sql, ctx.store, ctx.migration, {
      status: stopped ? 'stopped' : 'failed',
      phase,
      error: stopped ? null : { code: recorded.code, message },
    }).catch(() => undefined);
    await logEvent(ctx.sql, ctx.store, ctx.migration, stopped ? 'stopped' : 'failed', { phase, code: recorded.code, message }).catch(
      () => undefined,
    );
    throw recorded;
  }

  async function recordFinish(db: Db, status: MigrationStatus, next: MigrationPhase): Promise<void> {
    await updateMigration(db, ctx.store, ctx.migration, { status, phase: next, error: null });
    await logEvent(db, ctx.store, ctx.migration, status, { phase: next });
  }

  /** Records the transition unless it already committed with the phase's last step, then reports it. */
  async function finish(status: MigrationStatus, next: MigrationPhase, committed: boolean): Promise<DriveResult> {
    if (!committed) await ctx.sql.begin((tx) => recordFinish(tx, status, next));
    ctx.emit({ type: 'finished', migration: ctx.migration, status });
    return { status, phase: next };
  }
}
