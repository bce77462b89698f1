// Backfill: each task's ranges run in parallel on a pool of workers (range-pool.ts), each from its
// persisted cursor to the upper bound captured at start, an idle worker splitting the range with the most
// left; under one governor that paces, pauses and throttles them.
import { backfillPass, type BackfillTask } from '../src/plan/plan.js';
import { BackfillGovernor } from './backfill-engine/governor.js';
import { explainFailure } from './explain-failure.js';
import { openRanges, rowsPerPage } from './backfill-engine/backfill-ranges.js';
import { ctidBatches, keysetBatches } from './backfill-engine/range-batches.js';
import { keyMeasure } from './backfill-engine/key-measure.js';
import { connectionRoom } from './backfill-engine/connection-room.js';
import { RangePool } from './backfill-engine/range-pool.js';
import { TaskProgress } from './backfill-engine/task-progress.js';
import { workerTargetFor } from './backfill-engine/worker-target.js';
import type { RunContext } from './run-context.js';

export async function runBackfill(ctx: RunContext, tasks: readonly BackfillTask[]): Promise<void> {
  if (tasks.length === 0) return;
  ctx.emit({ type: 'phase', migration: ctx.migration, phase: 'backfill' });
  const governor = await BackfillGovernor.open(ctx);
  try {
    for (const task of tasks) await backfillTask(ctx, governor, task);
  } finally {
    await governor.close();
  }
}

async function backfillTask(ctx: RunContext, governor: BackfillGovernor, task: BackfillTask): Promise<void> {
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
    mode: task.key.length === 0 ? 'ctid' : 'key',
  });
  const perPage = rowsPerPage(cursors);
  const pool = new RangePool({
    ctx,
    governor,
    task,
    cursors,
    progress,
    target: workerTargetFor(ctx.options, governor),
    batchesOf: (kind, rangeIndex, upper) => {
      const range = { store: ctx.store, migration: ctx.migration, task, rangeIndex, upper };
      return kind === 'ctid' ? ctidBatches(range, perPage) : keysetBatches(range);
    },
  });
  try {
    await pool.run(await connectionRoom(ctx.sql));
  } catch (error) {
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
