// Renders a plan as reviewable SQL, phase by phase (`plan` and `start --dry-run`).
import { keysetQueries } from '../db/keyset-sql.js';
import type { OperationPlan, PlannedStep } from '../operations/plan.js';

function steps(title: string, list: readonly PlannedStep[]): string[] {
  if (list.length === 0) return [`-- ${title}: nothing to do`, ''];
  const out = [`-- ${title}`];
  for (const [i, step] of list.entries()) {
    out.push(`-- ${i + 1}. ${step.description} (lock_timeout, retried)`);
    for (const statement of step.statements) out.push(`${statement};`);
  }
  out.push('');
  return out;
}

export function renderPlan(name: string, plan: OperationPlan): string {
  const lines = [`-- migration: ${name}`, ''];
  lines.push(...steps('expand', plan.expand));
  if (plan.backfill.length === 0) lines.push('-- backfill: nothing to do', '');
  for (const task of plan.backfill) {
    const q = keysetQueries(task);
    lines.push(`-- backfill ${task.id}: keyset batches on (${task.key.map((k) => k.name).join(', ')}), upper bound captured at start`);
    lines.push(`-- upper bound: ${q.upperBound};`);
    lines.push(`-- each batch, in one transaction with its cursor update:`);
    lines.push(`${q.nextBoundary};`, `${q.nextUpdate};`, '');
  }
  lines.push(...steps('contract (online complete)', plan.contract));
  lines.push(...steps('rollback (online rollback)', plan.rollback));
  return lines.join('\n').trimEnd();
}
