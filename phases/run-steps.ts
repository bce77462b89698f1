// Executes a phase's planned DDL steps in order, skipping the ones already recorded. A locked step runs
// under the lock-safe runner and its record commits in the same transaction as its DDL, so a crash can
// never leave it done but unrecorded. A concurrent step (CREATE/DROP INDEX CONCURRENTLY) cannot run in
// a transaction; it is recorded after, and is idempotent, so a crash in between only repeats a check
// (and a `doneWhen` query tells resume and rollback that such a step took effect). Before each step,
// the live hazards it would wait for are read and reported (step-hazards.ts).
// The phase's closing transition (e.g. status `completed`) commits with the last step's record, so no
// crash can leave a finished phase recorded as unfinished.
import { runLockedDdl } from '../src/db/locked-ddl.js';
import type { TransactionSql } from '../src/db/connect.js';
import { DataViolationError, LockTimeoutError, StoppedError, stopIfInterrupted } from '../src/errors/index.js';
import type { PlannedStep } from '../src/plan/plan.js';
import type { MigrationPhase } from '../src/state/migration-records.js';
import { runConcurrentStep } from './concurrent-step.js';
import { cancelBlockersPolicy } from './blocker-policy.js';
import { explainFailure } from './explain-failure.js';
import { warnOfHazards } from './step-hazards.js';
import type { RunContext } from './run-context.js';

/** Commits the phase's closing transition inside the transaction that records its last step. */
export type PhaseFinish = (tx: TransactionSql) => Promise<void>;

/**
 * Runs the steps not yet recorded. Returns true when `finish` committed with the last step's record;
 * false when it did not run (no steps, or the last step was already recorded): the caller commits it.
 */
export async function runSteps(
  ctx: RunContext,
  phase: MigrationPhase,
  steps: readonly PlannedStep[],
  finish?: PhaseFinish,
): Promise<boolean> {
  const recorded = await ctx.ledger.steps(ctx.migration);
  const done = new Set(recorded.filter((s) => s.phase === phase).map((s) => s.stepIndex));
  let finished = false;
  for (const [index, step] of steps.entries()) {
    if (done.has(index)) {
      ctx.emit({ type: 'step', migration: ctx.migration, phase, index, description: step.description, skipped: true, durationMs: 0 });
      continue;
    }
    stopIfInterrupted(ctx.signal, ctx.migration);
    await warnOfHazards(ctx, step);
    const started = performance.now();
    const last = index === steps.length - 1;
    const record = async (tx: TransactionSql): Promise<void> => {
      await ctx.ledger.within(tx).recordStep({
        migration: ctx.migration,
        phase,
        stepIndex: index,
        description: step.description,
        statements: step.statements,
        durationMs: Math.round(performance.now() - started),
      });
      if (last) await finish?.(tx);
    };
    let ran = true;
    if (step.kind === 'concurrent') {
      ran = await runConcurrentStep(ctx, step);
      await ctx.sql.begin(record);
    } else {
      await runLockedDdl(ctx.sql, step.statements, {
        lockTimeoutMs: ctx.options.lockTimeoutMs,
        lockRetries: ctx.options.lockRetries,
        signal: ctx.signal,
        onRetry: (retry) => ctx.emit({ type: 'lock-retry', migration: ctx.migration, ...retry }),
        cancelBlockers: cancelBlockersPolicy(ctx),
        record,
      }).catch(async (error: unknown) => {
        // Stopped (a signal, `online stop`) while waiting to retry a lock: the attempt was rolled back
        // and nothing is recorded for the step, so the run stops here, resumable, rather than failing.
        if (error instanceof LockTimeoutError && ctx.signal?.aborted === true) {
          throw new StoppedError(ctx.migration, 'interrupted by signal while waiting for a lock');
        }
        const explained = await explainFailure(ctx.sql, ctx.migration, step, error);
        if (explained instanceof DataViolationError && step.undoPhaseOnViolation !== undefined) {
          await undoPhase(ctx, phase, step.undoPhaseOnViolation);
        }
        throw explained;
      });
    }
    finished = last && finish !== undefined;
    const durationMs = Math.round(performance.now() - started);
    ctx.emit({ type: 'step', migration: ctx.migration, phase, index, description: step.description, skipped: !ran, durationMs });
  }
  return finished;
}

/**
 * Takes a phase that failed on the data back out (its statements, its step records, in one transaction).
 * Should the undo itself not get its locks, the phase stays as it failed, recorded as it is: the
 * violation is still what the caller reports, and rollback removes what the phase left.
 */
async function undoPhase(ctx: RunContext, phase: MigrationPhase, statements: readonly string[]): Promise<void> {
  await runLockedDdl(ctx.sql, statements, {
    lockTimeoutMs: ctx.options.lockTimeoutMs,
    lockRetries: ctx.options.lockRetries,
    signal: ctx.signal,
    onRetry: (retry) => ctx.emit({ type: 'lock-retry', migration: ctx.migration, ...retry }),
    cancelBlockers: cancelBlockersPolicy(ctx),
    record: (tx) => ctx.ledger.within(tx).clearSteps(ctx.migration, phase),
  }).catch(() => undefined);
}
