// Backfill: each task's ranges run in parallel (p-limit, --concurrency at once), each from its persisted
// cursor to the upper bound captured at start, under one governor that paces, pauses and throttles them.
import pLimit from 'p-limit';
import type { BackfillTask } from '../src/plan/plan.js';
import { initialWorkers } from '../src/settings/worker-count.js';
import { BackfillGovernor } from './backfill-engine/governor.js';
import { explainFailure } from './explain-failure.js';
import { openRanges, rowsPerPage } from './backfill-engine/backfill-ranges.js';
import { ctidBatches, keysetBatches, type RangeBatches } from './backfill-engine/range-batches.js';
import { keyMeasure } from './backfill-engine/key-measure.js';
import { runRange } from './backfill-engine/range-worker.js';
import { TaskProgress } from './backfill-engine/task-progress.js';
import type { BackfillCursor } from './backfill-engine/backfill-cursors.js';
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
  const firstRunning = cursors.some((c) => !c.done && c.kind === 'key' && c.lowerBound === null);
  const measure = await keyMeasure(ctx.sql, task.table, task.key, firstRunning);
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
  const limit = pLimit(initialWorkers(ctx.options));
  const stop = new AbortController();
  // The first range to fail stops the others at their next batch; its error is the one reported.
  let firstError: { readonly error: unknown } | undefined;
  await Promise.allSettled(
    cursors.map((cursor) =>
      limit(async () => {
        if (stop.signal.aborted) return;
        try {
          await runRange(
            { ...ctx, signal: anySignal(ctx.signal, stop.signal) },
            governor,
            cursor,
            batchesOf(ctx, task, cursor, perPage),
            progress,
          );
        } catch (error) {
          firstError ??= { error };
          stop.abort();
        }
      }),
    ),
  );
  if (firstError !== undefined) throw await explainFailure(ctx.sql, ctx.migration, task, firstError.error);
  ctx.emit({
    type: 'backfill-done',
    migration: ctx.migration,
    task: task.id,
    rowsDone: progress.rowsDone,
    rowsThisRun: progress.rowsDone - start.rowsDone,
    seconds: (performance.now() - progress.startedAt) / 1000,
    // column-rebuild.ts names a rebuild's second pass `<column>:verify`: it re-checks every row.
    pass: task.id.endsWith(':verify') ? 'verify' : 'fill',
  });
}

function batchesOf(ctx: RunContext, task: BackfillTask, cursor: BackfillCursor, perPage: number): RangeBatches {
  const range = { store: ctx.store, migration: ctx.migration, task, rangeIndex: cursor.rangeIndex, upper: cursor.upperBound ?? [] };
  return cursor.kind === 'ctid' ? ctidBatches(range, perPage) : keysetBatches(range);
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a === undefined ? b : AbortSignal.any([a, b]);
}
