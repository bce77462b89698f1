// Expand: the additive, backwards-compatible DDL of every operation, in plan order.
import type { OperationPlan } from '../src/plan/plan.js';
import type { RunContext } from './run-context.js';
import { runSteps } from './run-steps.js';

export async function runExpand(ctx: RunContext, plan: OperationPlan): Promise<void> {
  ctx.emit({ type: 'phase', migration: ctx.migration, phase: 'expand' });
  await runSteps(ctx, 'expand', plan.expand);
}
