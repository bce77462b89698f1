// Renders `plan <dir> --pending`: the SQL of what the target database has not applied yet, one spec
// after another in the order they apply, each under a banner saying whether it is new, under way
// (only its remaining steps) or deferred until an earlier spec is applied.
import type { PendingSpecPlan } from '../api/plan-pending.js';
import { withDirectory } from './directory-argument.js';
import { planPhases, renderPlan, type PlanPhase } from './plan-printer.js';

function banner(p: PendingSpecPlan): string {
  if (p.state === 'pending') return p.file;
  if (p.state === 'deferred') return `${p.file} (deferred)`;
  return `${p.file} (${p.status.replace('_', ' ')} in its ${p.phase} phase: the steps it has left)`;
}

/** The phases a migration under way has left to run (rollback only when it is being rolled back). */
const phasesLeft: Readonly<Record<string, readonly PlanPhase[]>> = {
  expand: ['expand', 'backfill', 'contract'],
  backfill: ['backfill', 'contract'],
  contract: ['contract'],
  rollback: ['rollback'],
};

function body(p: PendingSpecPlan, phases: readonly PlanPhase[], dir: string | undefined): string {
  if (p.state === 'pending') return renderPlan(p.migration, p.plan, phases);
  if (p.state === 'unfinished') {
    return renderPlan(
      p.migration,
      p.plan,
      phases.filter((phase) => phasesLeft[p.phase]?.includes(phase) === true),
    );
  }
  return [
    `-- migration: ${p.migration}`,
    `-- not planned: it changes ${p.table} after ${p.after}, which is not applied yet, and its plan depends on`,
    `-- what that one leaves. Run \`${withDirectory('online plan', dir)} --pending\` again once it is applied, or \`${dir === undefined ? 'online plan <dir>' : withDirectory('online plan', dir)}\` to`,
    '-- rehearse the whole directory from empty.',
  ].join('\n');
}

/** `dir`: the directory argument as given (undefined: the config's or the default), named in the next steps. */
export function renderPendingPlan(plans: readonly PendingSpecPlan[], phases: readonly PlanPhase[] = planPhases, dir?: string): string {
  if (plans.length === 0) return '-- nothing pending: every spec of the directory is applied on this database';
  const shown = phases.length === planPhases.length ? 'all phases' : `phases: ${phases.join(', ')}`;
  const lines = [
    `-- ${plans.length} migration${plans.length === 1 ? '' : 's'} not yet applied on this database, in the order they apply (${shown}).`,
    '-- Planned against the live database, changing nothing there: applied specs are left out, and a',
    '-- migration already under way shows only the steps it has left.',
  ];
  for (const [i, p] of plans.entries()) lines.push('', `-- ==== ${i + 1}/${plans.length} ${banner(p)} ====`, body(p, phases, dir));
  return lines.join('\n');
}
