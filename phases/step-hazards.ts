// Reads the live hazards before a lock step or a concurrent index build: the old transactions that
// step will wait for and the vacuums on the migration's tables. Each is an event (the CLI prints it as a
// warning) and they are logged together in the events table. They never stop the run: the lock step
// still retries and names its blockers if it fails, and an index build waits; a failed read is a warning.
import { errorMessage } from '../src/db/connect.js';
import { buildsIndexConcurrently } from '../src/hazards/hazard-scope.js';
import { readHazards, stepHazardReads } from '../src/hazards/read-hazards.js';
import type { Hazard } from '../src/hazards/hazard.js';
import type { PlannedStep } from '../src/plan/plan.js';
import type { RunContext } from './run-context.js';

export async function warnOfHazards(ctx: RunContext, step: PlannedStep): Promise<void> {
  try {
    const tables = (await ctx.ledger.migration(ctx.migration))?.tables ?? [];
    const scope = { tables, buildsIndex: buildsIndexConcurrently(step) };
    const limits = { ageMs: ctx.options.hazardAgeMs, maxRetainedWalBytes: ctx.options.maxRetainedWalBytes };
    const hazards = (await readHazards(ctx.sql, scope, limits, stepHazardReads)).hazards.filter(concernsStep);
    if (hazards.length === 0) return;
    for (const hazard of hazards) ctx.emit({ type: 'hazard', migration: ctx.migration, step: step.description, hazard });
    await ctx.ledger.logEvent(ctx.migration, 'hazards', { step: step.description, hazards });
  } catch (error) {
    ctx.emit({ type: 'warning', message: `could not read live hazards before "${step.description}": ${errorMessage(error)}` });
  }
}

/**
 * What the step itself will meet: the transactions it waits for (blocking), and any vacuum on the
 * tables. An old transaction that only holds vacuum back is a plan-time warning, not said at every step.
 */
function concernsStep(hazard: Hazard): boolean {
  return hazard.severity === 'blocking' || hazard.kind === 'vacuum';
}
