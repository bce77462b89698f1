// Executes a phase's planned DDL steps in order, skipping the ones already recorded. A locked step runs
// under the lock-safe runner and its record commits in the same transaction as its DDL, so a crash can
// never leave it done but unrecorded. A concurrent step (CREATE/DROP INDEX CONCURRENTLY) cannot run in
// a transaction; it is recorded after, and is idempotent, so a crash in between only repeats a check.
import { runLockedDdl } from '../src/db/locked-ddl.js';
import { StoppedError } from '../src/errors/index.js';
import type { PlannedStep } from '../src/operations/plan.js';
import type { MigrationPhase } from '../src/state/migration-records.js';
import { listSteps, recordStep } from '../src/state/step-records.js';
import { runConcurrentStep } from './concurrent-step.js';
import { explainFailure } from './explain-failure.js';
import type { RunContext } from './run-context.js';

export async function runSteps(ctx: RunContext, phase: MigrationPhase, steps: readonly PlannedStep[]): Promise<void> {
  const recorded = await listSteps(ctx.sql, ctx.store, ctx.migration);
  const done = new Set(recorded.filter((s) => s.phase === phase).map((s) => s.stepIndex));
  for (const [index, step] of steps.entries()) {
    if (done.has(index)) {
      ctx.emit({ type: 'step', migration: ctx.migration, phase, index, description: step.description, skipped: true, durationMs: 0 });
      continue;
    }
    if (ctx.signal?.aborted === true) throw new StoppedError(ctx.migration, 'interrupted by signal');
    const started = performance.now();
    const record = (db: Parameters<typeof recordStep>[0]) =>
      recordStep(db, ctx.store, {
        migration: ctx.migration,
        phase,
        stepIndex: index,
        description: step.description,
        statements: step.statements,
        durationMs: Math.round(performance.now() - started),
      });
    let ran = true;
    if (step.kind === 'concurrent') {
      ran = await runConcurrentStep(ctx, step);
      await record(ctx.sql);
    } else {
      await runLockedDdl(ctx.sql, step.statements, {
        lockTimeoutMs: ctx.options.lockTimeoutMs,
        lockRetries: ctx.options.lockRetries,
        signal: ctx.signal,
        onRetry: (retry) => ctx.emit({ type: 'lock-retry', migration: ctx.migration, ...retry }),
        record,
      }).catch(async (error: unknown) => {
        throw await explainFailure(ctx.sql, ctx.migration, step, error);
      });
    }
    const durationMs = Math.round(performance.now() - started);
    ctx.emit({ type: 'step', migration: ctx.migration, phase, index, description: step.description, skipped: !ran, durationMs });
  }
}
