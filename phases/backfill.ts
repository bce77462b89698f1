// Backfill: each task's ranges run in parallel on a pool of workers (range-pool.ts), each from its
// persisted cursor to the upper bound captured at start, an idle worker splitting the range with the most
// left; under one governor that paces, pauses and throttles them. A task on a partitioned table runs as
// one task per leaf partition, side by side, sharing the run's workers (partition-leaves.ts,
// shared-workers.ts).
import { backfillPass, type BackfillTask } from '../src/plan/plan.js';
import { BackfillGovernor } from './backfill-engine/governor.js';
import { explainFailure } from './explain-failure.js';
import { openRanges } from './backfill-engine/backfill-ranges.js';
import { rowsPerPage } from './backfill-engine/ctid-sql.js';
import { createCursors, deleteCursors, deleteCursorsOfNoLeaf } from './backfill-engine/backfill-cursors.js';
import { stopIfInterrupted, TableRewrittenError } from '../src/errors/index.js';
import { ctidBatches, keysetBatches } from './backfill-engine/range-batches.js';
import { keyMeasure } from './backfill-engine/key-measure.js';
import { connectionRoom } from './backfill-engine/connection-room.js';
import { RangePool } from './backfill-engine/range-pool.js';
import { TaskProgress } from './backfill-engine/task-progress.js';
import { workerTargetFor, type WorkerTarget } from './backfill-engine/worker-target.js';
import { leafTasksOf } from './backfill-engine/partition-leaves.js';
import { SharedWorkers } from './backfill-engine/shared-workers.js';
import type { RunContext } from './run-context.js';

export async function runBackfill(ctx: RunContext, tasks: readonly BackfillTask[]): Promise<void> {
  if (tasks.length === 0) return;
  ctx.emit({ type: 'phase', migration: ctx.migration, phase: 'backfill' });
  const governor = await BackfillGovernor.open(ctx);
  try {
    for (const task of tasks) {
      const leaves = await leafTasksOf(ctx.sql, ctx.migration, task);
      if (leaves === undefined) {
        await backfillTask(ctx, governor, task, workerTargetFor(ctx.options, governor));
      } else {
        await deleteCursorsOfNoLeaf(
          ctx.sql,
          ctx.store,
          ctx.migration,
          task.id,
          leaves.map((leaf) => leaf.id),
        );
        // A partitioned table without partitions has no rows: its task is done, as a plain empty table's is.
        if (leaves.length === 0) await recordNothingToDo(ctx, task);
        else await backfillLeaves(ctx, governor, leaves);
      }
    }
  } finally {
    await governor.close();
  }
}

/** A table rewritten this many times during one task's backfill ends the run (exit 1) instead of paging it once more. */
const rewritesTolerated = 3;

/** One finished range for a task with no rows to page (a partitioned table without partitions). */
async function recordNothingToDo(ctx: RunContext, task: BackfillTask): Promise<void> {
  const cursor = { migration: ctx.migration, task: task.id, kind: 'key' as const, keyColumns: task.key.map((k) => k.name) };
  await createCursors(ctx.sql, ctx.store, { ...cursor, batchSize: ctx.options.batchSize, relationFile: null }, [
    { rangeIndex: 0, lowerBound: null, upperBound: null, rowsEstimated: 0 },
  ]);
}

/**
 * Runs the leaf tasks of a partitioned table side by side: as many at once as the run wants workers,
 * each with its share of them. The first to fail stops the others at their next batch boundary; its
 * error is the one thrown.
 */
async function backfillLeaves(ctx: RunContext, governor: BackfillGovernor, leaves: readonly BackfillTask[]): Promise<void> {
  const shared = new SharedWorkers(workerTargetFor(ctx.options, governor));
  const stop = new AbortController();
  const leafCtx: RunContext = { ...ctx, signal: ctx.signal === undefined ? stop.signal : AbortSignal.any([ctx.signal, stop.signal]) };
  const queue = [...leaves];
  const running = new Set<Promise<void>>();
  let firstError: { readonly error: unknown } | undefined;
  for (;;) {
    while (!stop.signal.aborted && queue.length > 0 && shared.running < shared.wanted()) {
      const leaf = queue.shift();
      if (leaf === undefined) break;
      const run = backfillTask(leafCtx, governor, leaf, shared.start(leaf.id))
        .catch((error: unknown) => {
          firstError ??= { error };
          stop.abort();
        })
        .finally(() => {
          shared.end(leaf.id);
          running.delete(run);
        });
      running.add(run);
    }
    if (running.size === 0) break;
    await Promise.race([...running, shared.changed()]);
  }
  if (firstError !== undefined) throw firstError.error;
  stopIfInterrupted(ctx.signal, ctx.migration);
}

async function backfillTask(ctx: RunContext, governor: BackfillGovernor, task: BackfillTask, target: WorkerTarget): Promise<void> {
  for (let rewrites = 0; ; rewrites++) {
    try {
      await runTaskPass(ctx, governor, task, target);
      return;
    } catch (error) {
      if (!(error instanceof TableRewrittenError) || rewrites >= rewritesTolerated) throw error;
      // The batch that found the rewrite changed nothing; the rows done before it stay done (needsWork
      // skips them), so a new pass over the new file only costs reading it.
      ctx.emit({
        type: 'warning',
        message: `${error.table} was rewritten during the backfill of ${task.id}: paging its new file from the start`,
      });
      await deleteCursors(ctx.sql, ctx.store, ctx.migration, task.id);
    }
  }
}

/** Runs a task's ranges from their cursors to their ends. */
async function runTaskPass(ctx: RunContext, governor: BackfillGovernor, task: BackfillTask, target: WorkerTarget): Promise<void> {
  const cursors = await openRanges(ctx, task);
  const measure = await keyMeasure(ctx.sql, task, cursors);
  const progress = new TaskProgress(task.id, cursors, measure, ctx.options.maxRowsPerSecond);
  const start = progress.snapshot();
  ctx.emit({
    type: 'backfill-start',
    migration: ctx.migration,
    task: task.id,
    rowsEstimated: progress.rowsEstimated,
    rowsDone: start.rowsDone,
    percent: start.percent,
    resumed: cursors.some((c) => c.batches > 0),
    ranges: cursors.length,
    mode: cursors.some((c) => c.kind === 'ctid') ? 'ctid' : 'key',
  });
  const file = cursors.find((c) => c.relationFile !== null)?.relationFile ?? null;
  const perPage = file === null ? 1 : await rowsPerPage(ctx.sql, task.table, progress.rowsEstimated);
  const pool = new RangePool({
    ctx,
    governor,
    task,
    cursors,
    progress,
    target,
    batchesOf: (kind, rangeIndex, upper) => {
      const range = { store: ctx.store, migration: ctx.migration, task, rangeIndex, upper };
      if (kind === 'key') return keysetBatches(range);
      if (file === null) throw new Error(`the page ranges of ${task.id} have no relation file`);
      return ctidBatches(range, perPage, file);
    },
  });
  try {
    await pool.run(await connectionRoom(ctx.sql));
  } catch (error) {
    if (error instanceof TableRewrittenError) throw error;
    throw await explainFailure(ctx.sql, ctx.migration, task, error);
  }
  ctx.emit({
    type: 'backfill-done',
    migration: ctx.migration,
    task: task.id,
    rowsDone: progress.rowsDone,
    rowsThisRun: progress.rowsDone - start.rowsDone,
    seconds: (performance.now() - progress.startedAt) / 1000,
    pass: backfillPass(task),
  });
}
