// Rollback: undoes expand. Every statement is `if exists`, so running it twice is safe.
import type { OperationPlan } from '../src/operations/plan.js';
import type { RunContext } from './run-context.js';
import { runSteps } from './run-steps.js';

export async function runRollback(ctx: RunContext, plan: OperationPlan): Promise<void> {
  ctx.emit({ type: 'phase', migration: ctx.migration, phase: 'rollback' });
  await runSteps(ctx, 'rollback', plan.rollback);
}
