// Renders a plan as reviewable SQL, phase by phase (`plan` and `start --dry-run`), with how each step
// runs and the locks it takes as comments. A directory's plans are printed one spec after another, in
// the order they apply, and nothing in the output depends on the machine or the moment (no timestamps,
// ports or random names), so it can be committed and diffed in a pull request.
import type { SpecPlan } from '../api/plan-directory.js';
import { ctidUpdate } from '../../phases/backfill-engine/ctid-sql.js';
import { keysetQueries } from '../../phases/backfill-engine/keyset-sql.js';
import type { BackfillTask, OperationPlan, PlannedStep } from '../plan/plan.js';

export const planPhases = ['expand', 'backfill', 'contract', 'rollback'] as const;
export type PlanPhase = (typeof planPhases)[number];

/** Extra comment lines a section (the forecast…) adds under each step and task, and at the end. */
export interface PlanAnnotations {
  readonly step?: (phase: 'expand' | 'contract' | 'rollback', index: number) => readonly string[];
  readonly task?: (index: number) => readonly string[];
  readonly footer?: readonly string[];
}

/** Several sections' annotations, each step's lines in the order the sections are given. */
export function combineAnnotations(list: readonly PlanAnnotations[]): PlanAnnotations {
  return {
    step: (phase, index) => list.flatMap((a) => a.step?.(phase, index) ?? []),
    task: (index) => list.flatMap((a) => a.task?.(index) ?? []),
    footer: list.flatMap((a) => a.footer ?? []),
  };
}

function how(step: PlannedStep): string {
  return step.kind === 'concurrent' ? 'outside a transaction, no timeouts' : 'one transaction, lock_timeout, retried';
}

function steps(title: string, list: readonly PlannedStep[], annotate: (index: number) => readonly string[] = () => []): string[] {
  if (list.length === 0) return [`-- ${title}: nothing to do`, ''];
  const out = [`-- ${title}`];
  for (const [i, step] of list.entries()) {
    out.push(`-- ${i + 1}. ${step.description} (${how(step)})`);
    if (step.locks !== undefined) out.push(`--    locks: ${step.locks}`);
    out.push(...annotate(i));
    if (step.buildsIndex !== undefined)
      out.push(`--    an INVALID index ${step.buildsIndex.name} left by an interrupted build is dropped and rebuilt first`);
    for (const statement of step.statements) out.push(`${statement};`);
  }
  out.push('');
  return out;
}

function backfill(tasks: readonly BackfillTask[], annotate: (index: number) => readonly string[] = () => []): string[] {
  if (tasks.length === 0) return ['-- backfill: nothing to do', ''];
  const out: string[] = [];
  for (const [i, task] of tasks.entries()) {
    if (task.key.length === 0) {
      out.push(`-- backfill ${task.id}: no key, so ctid page ranges (TID range scans) up to the table's size at start`);
      out.push(...annotate(i));
      out.push(`-- each batch, one statement (it also advances the range's cursor, in the same statement):`, `${ctidUpdate(task)};`, '');
      continue;
    }
    const q = keysetQueries(task);
    out.push(`-- backfill ${task.id}: keyset batches on (${task.key.map((k) => k.name).join(', ')}), upper bound captured at start`);
    out.push(...annotate(i));
    out.push(`-- upper bound: ${q.upperBound};`);
    out.push(`-- each batch, two statements: 1. read the key one batch on, through the index`, `${q.nextBoundary};`);
    out.push(`-- 2. update up to it (the same statement also advances the range's cursor)`, `${q.nextUpdate};`, '');
  }
  return out;
}

/** The SQL of one plan; `phases` limits it to some phases (default: all four); `annotations` add comment lines. */
export function renderPlan(
  name: string,
  plan: OperationPlan,
  phases: readonly PlanPhase[] = planPhases,
  annotations: PlanAnnotations = {},
): string {
  const lines = [`-- migration: ${name}`, ''];
  for (const warning of plan.warnings ?? []) lines.push(`-- WARNING: ${warning}`);
  if ((plan.warnings ?? []).length > 0) lines.push('');
  const step = (phase: 'expand' | 'contract' | 'rollback') => (index: number) => annotations.step?.(phase, index) ?? [];
  if (phases.includes('expand')) lines.push(...steps('expand', plan.expand, step('expand')));
  if (phases.includes('backfill')) lines.push(...backfill(plan.backfill, (index) => annotations.task?.(index) ?? []));
  if (phases.includes('contract')) lines.push(...steps('contract (online complete)', plan.contract, step('contract')));
  if (phases.includes('rollback')) lines.push(...steps('rollback (online rollback)', plan.rollback, step('rollback')));
  if ((annotations.footer ?? []).length > 0) lines.push(...(annotations.footer ?? []));
  return lines.join('\n').trimEnd();
}

/** Every spec of a directory, in order, each under a banner naming its file. */
export function renderDirectoryPlan(plans: readonly SpecPlan[], phases: readonly PlanPhase[] = planPhases): string {
  if (plans.length === 0) return '-- no migration specs in the directory';
  const shown = phases.length === planPhases.length ? 'all phases' : `phases: ${phases.join(', ')}`;
  const lines = [
    `-- ${plans.length} migration${plans.length === 1 ? '' : 's'}, in the order they apply (${shown}).`,
    '-- Planned by rehearsal: each spec was planned, then applied, on a throwaway database built from empty',
    '-- by the specs before it. Against a live database, run `online plan <file>` for one spec.',
  ];
  for (const [i, p] of plans.entries()) {
    lines.push('', `-- ==== ${i + 1}/${plans.length} ${p.file} ====`, renderPlan(p.migration, p.plan, phases));
  }
  return lines.join('\n');
}
