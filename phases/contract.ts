// Contract: first prove the backfill is finished (cursors at their upper bound and no row left that
// needs work), then validate and switch over.
import type { Sql } from '../src/db/connect.js';
import { keysetQueries } from './backfill-engine/keyset-sql.js';
import { searchPathSetting } from '../src/db/search-path.js';
import { displayName } from '../src/sql-text/quote.js';
import { BackfillIncompleteError, BackfillNotRepeatableError } from '../src/errors/index.js';
import { pointOfNoReturn, type BackfillTask, type OperationPlan } from '../src/plan/plan.js';
import { listCursors } from './backfill-engine/backfill-cursors.js';
import { belongsToTask } from '../src/plan/partition-tasks.js';
import type { RunContext } from './run-context.js';
import { explainFailure } from './explain-failure.js';
import { runSteps, type PhaseFinish } from './run-steps.js';

/** Throws BackfillIncompleteError, changing nothing, while any row still needs backfill. */
export async function verifyBackfillComplete(ctx: Pick<RunContext, 'sql' | 'store' | 'migration'>, plan: OperationPlan): Promise<void> {
  const cursors = await listCursors(ctx.sql, ctx.store, ctx.migration);
  for (const task of plan.backfill) {
    const mine = cursors.filter((c) => belongsToTask(c.task, task.id));
    if (mine.length === 0 || mine.some((c) => !c.done)) {
      const done = mine.reduce((sum, c) => sum + c.rowsDone, 0);
      throw new BackfillIncompleteError(ctx.migration, `the backfill of ${task.id} has not finished (${done} rows done so far)`);
    }
    const keys = await sampleKeysNeedingWork(ctx.sql, ctx.migration, task);
    if (keys.length > 0) {
      const table = displayName(task.table);
      if (task.writesFilled !== true)
        throw new BackfillNotRepeatableError(ctx.migration, 'complete', { task: task.id, table, sampleKeys: keys });
      throw new BackfillIncompleteError(
        ctx.migration,
        `${table} still has rows that need backfill, e.g. keys ${keys.join(', ')}, although its backfill finished: ${whyRowsNeedWorkAgain}`,
        table,
      );
    }
  }
}

/** Why a finished backfill's table can have rows that need work again (`complete` and `resume` say it). */
export const whyRowsNeedWorkAgain =
  'this happens when a writer skips our fill triggers (a session with session_replication_role = replica, as logical-replication apply, ' +
  'restores and CDC tools use, or a trigger disabled for a while) or sets the value back to NULL itself, ' +
  'or when a partition holding such rows was attached to the table after its backfill finished';

/**
 * Up to 5 keys, as text like `(7)`, of rows of the task's table that still need work (none: the task is
 * done), read under the search path the task was planned with. A failing query is explained.
 */
export async function sampleKeysNeedingWork(sql: Sql, migration: string, task: BackfillTask): Promise<string[]> {
  const remaining = await sampleRemaining(sql, task).catch(async (error: unknown) => {
    throw await explainFailure(sql, migration, task, error);
  });
  return remaining.map((r) => `(${Object.values(r).join(', ')})`);
}

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
