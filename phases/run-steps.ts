// Executes a phase's planned DDL steps in order, each under the lock-safe runner, skipping the ones
// already recorded. A step's record commits in the same transaction as its DDL, so a crash can never
// leave a step done but unrecorded.
import { runLockedDdl } from '../src/db/locked-ddl.js';
import { StoppedError } from '../src/errors/index.js';
import type { PlannedStep } from '../src/operations/plan.js';
import type { MigrationPhase } from '../src/state/migration-records.js';
import { listSteps, recordStep } from '../src/state/step-records.js';
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
    await runLockedDdl(ctx.sql, step.statements, {
      lockTimeoutMs: ctx.options.lockTimeoutMs,
      lockRetries: ctx.options.lockRetries,
      signal: ctx.signal,
      onRetry: (retry) => ctx.emit({ type: 'lock-retry', migration: ctx.migration, ...retry }),
      record: (tx) =>
        recordStep(tx, ctx.store, {
          migration: ctx.migration,
          phase,
          stepIndex: index,
          description: step.description,
          statements: step.statements,
          durationMs: Math.round(performance.now() - started),
        }),
    });
    const durationMs = Math.round(performance.now() - started);
    ctx.emit({ type: 'step', migration: ctx.migration, phase, index, description: step.description, skipped: false, durationMs });
  }
}
