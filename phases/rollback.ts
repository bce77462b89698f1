// Rollback: undoes expand. Every statement is `if exists`, so running it twice is safe.
import type { OperationPlan } from '../src/plan/plan.js';
import type { RunContext } from './run-context.js';
import { runSteps, type PhaseFinish } from './run-steps.js';

export async function runRollback(ctx: RunContext, plan: OperationPlan, finish?: PhaseFinish): Promise<boolean> {
  ctx.emit({ type: 'phase', migration: ctx.migration, phase: 'rollback' });
  return runSteps(ctx, 'rollback', plan.rollback, finish);
}
