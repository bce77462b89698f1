// What each phase of a plan does, in one line made of its steps' own descriptions: the words of
// `start`'s closing message (what `complete` will do), so they follow the operations and cannot go stale.
import type { OperationPlan } from './plan.js';

export type SummarizedPhase = 'expand' | 'backfill' | 'contract' | 'rollback';

/** The phase's steps, `; `-separated (a backfill task as `backfill <table.column>`); undefined when the phase is empty. */
export function phaseSummary(plan: OperationPlan, phase: SummarizedPhase): string | undefined {
  const steps = phase === 'backfill' ? plan.backfill.map((task) => `backfill ${task.id}`) : plan[phase].map((step) => step.description);
  return steps.length === 0 ? undefined : steps.join('; ');
}

/** What a start that stops before contract did: `expanded and backfilled`, `expanded`, …, or that it only recorded the migration. */
export function startedSummary(plan: OperationPlan): string {
  const done = [plan.expand.length > 0 ? 'expanded' : undefined, plan.backfill.length > 0 ? 'backfilled' : undefined].filter(
    (word) => word !== undefined,
  );
  return done.length === 0 ? 'checked and recorded; nothing changed yet' : done.join(' and ');
}

/** `start`'s closing line for a migration that awaits contract: what it did, and what `online complete` will do. */
export function awaitingContractLine(migration: string, plan: OperationPlan): string {
  const contract = phaseSummary(plan, 'contract') ?? 'record it as completed (its contract has no steps)';
  return `✓ ${migration} ${startedSummary(plan)}; run \`online complete ${migration}\` to ${contract}`;
}
