// The phase state machine: runs a migration from its recorded phase onward and records every
// transition, failure and stop in the ledger.
import { runBackfill } from '../../phases/backfill.js';
import { runContract } from '../../phases/contract.js';
import { runExpand } from '../../phases/expand.js';
import { runRollback } from '../../phases/rollback.js';
import type { RunContext } from '../../phases/run-context.js';
import { errorMessage } from '../db/connect.js';
import { maskSecrets } from '../db/mask-secrets.js';
import { MigrationFailedError, OnlineError, StoppedError } from '../errors/index.js';
import type { OperationPlan } from '../operations/plan.js';
import { logEvent } from '../state/event-log.js';
import { updateMigration, type MigrationPhase, type MigrationStatus } from '../state/migration-records.js';

export interface DriveResult {
  readonly status: MigrationStatus;
  readonly phase: MigrationPhase;
}

export async function driveMigration(ctx: RunContext, plan: OperationPlan, from: MigrationPhase): Promise<DriveResult> {
  const set = (status: MigrationStatus, phase: MigrationPhase) => updateMigration(ctx.sql, ctx.store, ctx.migration, { status, phase, error: null });
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
      if (!ctx.options.complete) return await finish('awaiting_contract', phase);
      await set('running', phase);
    }
    if (phase === 'contract') {
      await runContract(ctx, plan);
      return await finish('completed', 'done');
    }
    if (phase === 'rollback') {
      await runRollback(ctx, plan);
      return await finish('rolled_back', 'done');
    }
    return { status: 'completed', phase };
  } catch (error) {
    const stopped = error instanceof StoppedError;
    const recorded = error instanceof OnlineError ? error : new MigrationFailedError(ctx.migration, phase, errorMessage(error), { cause: error });
    const message = maskSecrets(recorded.message, []);
    await updateMigration(ctx.sql, ctx.store, ctx.migration, {
      status: stopped ? 'stopped' : 'failed',
      phase,
      error: stopped ? null : { code: recorded.code, message },
    }).catch(() => undefined);
    await logEvent(ctx.sql, ctx.store, ctx.migration, stopped ? 'stopped' : 'failed', { phase, code: recorded.code, message }).catch(() => undefined);
    throw recorded;
  }

  async function finish(status: MigrationStatus, next: MigrationPhase): Promise<DriveResult> {
    await set(status, next);
    await logEvent(ctx.sql, ctx.store, ctx.migration, status, { phase: next });
    ctx.emit({ type: 'finished', migration: ctx.migration, status });
    return { status, phase: next };
  }
}
