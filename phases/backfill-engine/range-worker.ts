// Runs one range of a backfill to its end on a reserved connection: ask the governor, run a batch of the
// adaptive size, feed the batch's server time back to the sizer. A batch that loses a lock wait or hits
// statement_timeout rolled back as a whole; it is retried at half the size.
import { backoffDelay, sleep } from '../../src/db/backoff.js';
import { sqlState } from '../../src/db/connect.js';
import { searchPathSetting } from '../../src/db/search-path.js';
import { StoppedError } from '../../src/errors/index.js';
import type { BackfillCursor } from './backfill-cursors.js';
import { BatchSizer } from '../../src/throttle/batch-sizer.js';
import { maxWorkers } from '../../src/settings/worker-count.js';
import type { BackfillGovernor } from './governor.js';
import { ProgressWindow } from './progress-window.js';
import type { RangeBatches } from './range-batches.js';
import type { TaskProgress } from './task-progress.js';
import type { RunContext } from '../run-context.js';

const RETRYABLE = new Set(['55P03', '40P01', '40001', '57014']);
/** Lock timeout and statement timeout: the batch was too big for the moment; halve it. */
const HALVING = new Set(['55P03', '57014']);

export async function runRange(
  ctx: RunContext,
  governor: BackfillGovernor,
  cursor: BackfillCursor,
  batches: RangeBatches,
  progress: TaskProgress,
): Promise<void> {
  if (cursor.done) return;
  const o = ctx.options;
  const sizer = new BatchSizer({
    initial: cursor.batches > 0 ? cursor.batchSize : o.batchSize,
    min: o.minBatchSize,
    max: o.maxBatchSize,
    targetMs: o.targetBatchMs,
  });
  if (o.maxRowsPerSecond !== null) sizer.setCeiling(Math.max(o.minBatchSize, Math.ceil(o.maxRowsPerSecond / maxWorkers(o))));
  const conn = await ctx.sql.reserve();
  let pid: number | undefined;
  try {
    const [row] = await conn.unsafe<{ pid: number }[]>(
      `select pg_backend_pid() as pid, set_config('lock_timeout', '${o.lockTimeoutMs}', false), set_config('statement_timeout', '${o.statementTimeoutMs}', false)`,
    );
    // The search path pre-flight resolved the task's expressions with, so the batches resolve them alike.
    if (batches.searchPath !== undefined) await conn`select set_config('search_path', ${searchPathSetting(batches.searchPath)}, false)`;
    pid = row?.pid;
    if (pid !== undefined) governor.addWorker(pid);
    let position = cursor.position;
    let contention = governor.contention;
    let rowsThisRun = 0;
    // This range's own rate, recorded on its cursor for `status`; the event reports the task's.
    const rangeWindow = new ProgressWindow();
    for (let done = false; !done;) {
      // The range's own signal also fires when a sibling range failed.
      if (ctx.signal?.aborted === true) throw new StoppedError(ctx.migration, 'interrupted by signal');
      if (governor.contention !== contention) {
        contention = governor.contention;
        sizer.shrink();
      }
      const size = sizer.size;
      await governor.admit(size);
      const batchStarted = performance.now();
      const rate = Math.round(rangeWindow.rates(o.maxRowsPerSecond)?.rowsPerSecond ?? 0);
      const from = position;
      const outcome = await withRetries(ctx, sizer, () => batches.run(conn, from, sizer.size, rate));
      governor.refund(Math.max(0, size - outcome.covered));
      sizer.observe(outcome.covered, outcome.serverMs);
      position = outcome.position;
      done = outcome.last;
      rowsThisRun += outcome.rows;
      const clock = governor.runningClock();
      progress.advance(cursor.rangeIndex, outcome.position, outcome.last, outcome.rows, clock);
      rangeWindow.record(clock.ms, clock.stretch, rowsThisRun, progress.rangeFraction(cursor.rangeIndex));
      ctx.emit({
        type: 'batch',
        migration: ctx.migration,
        task: progress.task,
        range: cursor.rangeIndex,
        ...progress.snapshot(),
        rowsEstimated: progress.rowsEstimated,
        batchRows: outcome.rows,
        batchSize: size,
        serverMs: Math.round(outcome.serverMs * 10) / 10,
        batchMs: Math.round(performance.now() - batchStarted),
      });
      if (!done && o.pauseMs > 0) await sleep(o.pauseMs, ctx.signal);
    }
  } finally {
    if (pid !== undefined) governor.removeWorker(pid);
    await conn.unsafe('reset lock_timeout; reset statement_timeout; reset search_path').catch(() => undefined);
    conn.release();
  }
}

/** Retries a batch that lost a lock wait, a deadlock or a timeout; the batch's statement rolled back. */
async function withRetries<T>(ctx: RunContext, sizer: BatchSizer, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const state = sqlState(error);
      if (state === undefined || !RETRYABLE.has(state) || n >= ctx.options.lockRetries) throw error;
      const cause =
        state === '40P01'
          ? 'a deadlock'
          : state === '57014'
            ? 'statement_timeout'
            : state === '55P03'
              ? 'a lock timeout'
              : 'a serialization failure';
      const size = HALVING.has(state) ? sizer.halve() : sizer.size;
      ctx.emit({ type: 'warning', message: `batch retried after ${cause} (attempt ${n}, next size ${size})` });
      await sleep(backoffDelay(n), ctx.signal);
    }
  }
}
