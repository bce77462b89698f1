// Contract: first prove the backfill is finished (cursors at their upper bound and no row left that
// needs work), then validate and switch over.
import type { Sql } from '../src/db/connect.js';
import { keysetQueries } from './backfill-engine/keyset-sql.js';
import { searchPathSetting } from '../src/db/search-path.js';
import { displayName } from '../src/sql-text/quote.js';
import { BackfillIncompleteError } from '../src/errors/index.js';
import { pointOfNoReturn, type BackfillTask, type OperationPlan } from '../src/plan/plan.js';
import { listCursors } from './backfill-engine/backfill-cursors.js';
import type { RunContext } from './run-context.js';
import { explainFailure } from './explain-failure.js';
import { runSteps, type PhaseFinish } from './run-steps.js';

/** Throws BackfillIncompleteError, changing nothing, while any row still needs backfill. */
export async function verifyBackfillComplete(ctx: Pick<RunContext, 'sql' | 'store' | 'migration'>, plan: OperationPlan): Promise<void> {
  const cursors = await listCursors(ctx.sql, ctx.store, ctx.migration);
  for (const task of plan.backfill) {
    const mine = cursors.filter((c) => c.task === task.id);
    if (mine.length === 0 || mine.some((c) => !c.done)) {
      const done = mine.reduce((sum, c) => sum + c.rowsDone, 0);
      throw new BackfillIncompleteError(ctx.migration, `the backfill of ${task.id} has not finished (${done} rows done so far)`);
    }
    const remaining = await sampleRemaining(ctx.sql, task).catch(async (error: unknown) => {
      throw await explainFailure(ctx.sql, ctx.migration, task, error);
    });
    if (remaining.length > 0) {
      const keys = remaining.map((r) => `(${Object.values(r).join(', ')})`).join(', ');
      throw new BackfillIncompleteError(ctx.migration, `${displayName(task.table)} still has rows that need backfill, e.g. keys ${keys}`);
    }
  }
}

/** Up to 5 keys of rows that still need work, under the search path the task was planned with. */
async function sampleRemaining(sql: Sql, task: BackfillTask): Promise<Record<string, unknown>[]> {
  const query = keysetQueries(task).sampleRemaining;
  const searchPath = task.searchPath;
  if (searchPath === undefined) return sql.unsafe<Record<string, unknown>[]>(query);
  return sql.begin(async (tx) => {
    await tx`select set_config('search_path', ${searchPathSetting(searchPath)}, true)`;
    return tx.unsafe<Record<string, unknown>[]>(query);
  });
}

/**
 * Proves the backfill complete, then runs the contract steps not yet recorded. Once a step past the
 * point of no return has committed (e.g. the swap that drops the old column), the proof already held
 * when that step ran and its queries may name columns that are gone: it is not asked again.
 */
export async function runContract(ctx: RunContext, plan: OperationPlan, finish?: PhaseFinish): Promise<boolean> {
  ctx.emit({ type: 'phase', migration: ctx.migration, phase: 'contract' });
  const recorded = (await ctx.ledger.steps(ctx.migration)).filter((s) => s.phase === 'contract').map((s) => s.stepIndex);
  if (pointOfNoReturn(plan, new Set(recorded)) === undefined) await verifyBackfillComplete(ctx, plan);
  return runSteps(ctx, 'contract', plan.contract, finish);
}
