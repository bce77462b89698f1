// Renders a plan as reviewable SQL, phase by phase (`plan` and `start --dry-run`), with how each step
// runs and the locks it takes as comments.
import { ctidUpdate } from '../db/ctid-sql.js';
import { keysetQueries } from '../db/keyset-sql.js';
import type { OperationPlan, PlannedStep } from '../operations/plan.js';

function how(step: PlannedStep): string {
  return step.kind === 'concurrent' ? 'outside a transaction, no timeouts' : 'one transaction, lock_timeout, retried';
}

function steps(title: string, list: readonly PlannedStep[]): string[] {
  if (list.length === 0) return [`-- ${title}: nothing to do`, ''];
  const out = [`-- ${title}`];
  for (const [i, step] of list.entries()) {
    out.push(`-- ${i + 1}. ${step.description} (${how(step)})`);
    if (step.locks !== undefined) out.push(`--    locks: ${step.locks}`);
    if (step.buildsIndex !== undefined) out.push(`--    an INVALID index ${step.buildsIndex.name} left by an interrupted build is dropped and rebuilt first`);
    for (const statement of step.statements) out.push(`${statement};`);
  }
  out.push('');
  return out;
}

export function renderPlan(name: string, plan: OperationPlan): string {
  const lines = [`-- migration: ${name}`, ''];
  for (const warning of plan.warnings ?? []) lines.push(`-- WARNING: ${warning}`);
  if ((plan.warnings ?? []).length > 0) lines.push('');
  lines.push(...steps('expand', plan.expand));
  if (plan.backfill.length === 0) lines.push('-- backfill: nothing to do', '');
  for (const task of plan.backfill) {
    if (task.key.length === 0) {
      lines.push(`-- backfill ${task.id}: no key, so ctid page ranges (TID range scans) up to the table's size at start`);
      lines.push(`-- each batch, in one statement with its cursor update:`, `${ctidUpdate(task)};`, '');
      continue;
    }
    const q = keysetQueries(task);
    lines.push(`-- backfill ${task.id}: keyset batches on (${task.key.map((k) => k.name).join(', ')}), upper bound captured at start`);
    lines.push(`-- upper bound: ${q.upperBound};`);
    lines.push(`-- each batch, in one statement with its cursor update:`);
    lines.push(`${q.nextBoundary};`, `${q.nextUpdate};`, '');
  }
  lines.push(...steps('contract (online complete)', plan.contract));
  lines.push(...steps('rollback (online rollback)', plan.rollback));
  return lines.join('\n').trimEnd();
}
