// Runs one range of a backfill on a worker's reserved connection, to its end or until the worker pool
// stops it at a batch boundary: ask the governor, run a batch of the adaptive size, feed the batch's
// server time back to the sizer. A batch that loses a lock wait or hits statement_timeout rolled back
// as a whole; it is retried at half the size.
import { backoffDelay, sleep } from '../../src/db/backoff.js';
import { sqlState, type Sql } from '../../src/db/connect.js';
import { searchPathSetting } from '../../src/db/search-path.js';
import { stopIfInterrupted } from '../../src/errors/index.js';
import { BatchSizer } from '../../src/throttle/batch-sizer.js';
import type { BackfillGovernor } from './governor.js';
import { ProgressWindow } from './progress-window.js';
import type { RangeBatches } from './range-batches.js';
import type { TaskProgress } from './task-progress.js';
import type { RunContext } from '../run-context.js';

/** Lock timeout, deadlock, serialization failure, statement timeout: the statement rolled back whole, and may be tried again. */
export const rolledBackWhole: ReadonlySet<string> = new Set(['55P03', '40P01', '40001', '57014']);
/** Lock timeout and statement timeout: the batch was too big for the moment; halve it. */
const HALVING = new Set(['55P03', '57014']);

/** Where a range starts for its worker: its cursor as it stands, and the batch size to start with. */
export interface RangeStart {
  readonly rangeIndex: number;
  /** The last key done (or next page); null before the range's first batch. */
  readonly position: readonly string[] | null;
  /** The size its last batch ran with, or null: start at --batch-size. */
  readonly batchSize: number | null;
  /** Workers sharing --max-rows-per-second. */
  readonly workers: number;
}

/** What the worker pool says at a range's batch boundaries. */
export interface RangeTurn {
  /**
   * Before each batch, with none of the range's statements in flight: the pool may split the range here
   * (on `conn`). False: the worker stops before the batch, the range stays unfinished for another.
   */
  beforeBatch(conn: Sql, batchSize: number): Promise<boolean>;
  /** After each committed batch, with the rows it covered (keys or pages passed, needing work or not). */
  afterBatch(covered: number): void;
}

/** A range worker's reserved connection, set up for batches: timeouts, the task's search path, known to the governor. */
export async function reserveWorkerConnection(
  ctx: RunContext,
  governor: BackfillGovernor,
  searchPath: readonly string[] | undefined,
): Promise<{ readonly conn: Sql; release(): Promise<void> }> {
  const o = ctx.options;
  const conn = await ctx.sql.reserve();
  let pid: number | undefined;
  const release = async (): Promise<void> => {
    if (pid !== undefined) governor.removeWorker(pid);
    await conn.unsafe('reset lock_timeout; reset statement_timeout; reset search_path').catch(() => undefined);
    conn.release();
  };
  try {
    const [row] = await conn.unsafe<{ pid: number }[]>(
      `select pg_backend_pid() as pid, set_config('lock_timeout', '${o.lockTimeoutMs}', false), set_config('statement_timeout', '${o.statementTimeoutMs}', false)`,
    );
    // The search path pre-flight resolved the task's expressions with, so the batches resolve them alike.
    if (searchPath !== undefined) await conn`select set_config('search_path', ${searchPathSetting(searchPath)}, false)`;
    pid = row?.pid;
    if (pid !== undefined) governor.addWorker(pid);
  } catch (error) {
    await release();
    throw error;
  }
  return { conn, release };
}

/** Runs one range on a worker's connection until it is done (true) or the pool stops it at a boundary (false). */
export async function runRange(
  ctx: RunContext,
  governor: BackfillGovernor,
  conn: Sql,
  start: RangeStart,
  batches: RangeBatches,
  progress: TaskProgress,
  turn: RangeTurn,
): Promise<boolean> {
  const o = ctx.options;
  const sizer = new BatchSizer({
    initial: start.batchSize ?? o.batchSize,
    min: o.minBatchSize,
    max: o.maxBatchSize,
    targetMs: o.targetBatchMs,
  });
  if (o.maxRowsPerSecond !== null) sizer.setCeiling(Math.max(o.minBatchSize, Math.ceil(o.maxRowsPerSecond / Math.max(1, start.workers))));
  const range = start.rangeIndex;
  let position = start.position;
  let contention = governor.contention;
  let rowsThisRun = 0;
  // This range's own rate, recorded on its cursor for `status`; the event reports the task's.
  const rangeWindow = new ProgressWindow();
  for (let done = false; !done;) {
    stopIfInterrupted(ctx.signal, ctx.migration);
    if (governor.contention !== contention) {
      contention = governor.contention;
      sizer.shrink();
    }
    if (!(await turn.beforeBatch(conn, sizer.size))) return false;
    // A batch run anyway below --min-progress is of --min-batch-size, whatever the sizer says.
    const size = Math.min(sizer.size, await governor.admit(sizer.size, ctx.signal));
    // Once more: a sibling may have failed while the governor held this batch.
    stopIfInterrupted(ctx.signal, ctx.migration);
    const batchStarted = performance.now();
    const rate = Math.round(rangeWindow.rates(o.maxRowsPerSecond)?.rowsPerSecond ?? 0);
    const from = position;
    const outcome = await withRetries(ctx, sizer, () => batches.run(conn, from, Math.min(size, sizer.size), rate));
    governor.refund(Math.max(0, size - outcome.covered));
    governor.covered(outcome.covered);
    sizer.observe(outcome.covered, outcome.serverMs);
    position = outcome.position;
    done = outcome.last;
    rowsThisRun += outcome.rows;
    const clock = governor.runningClock();
    progress.advance(range, outcome.position, outcome.last, outcome.rows, clock);
    rangeWindow.record(clock.ms, clock.stretch, rowsThisRun, progress.rangeFraction(range));
    ctx.emit({
      type: 'batch',
      migration: ctx.migration,
      task: progress.task,
      range,
      ...progress.snapshot(),
      rowsEstimated: progress.rowsEstimated,
      batchRows: outcome.rows,
      batchSize: size,
      serverMs: Math.round(outcome.serverMs * 10) / 10,
      batchMs: Math.round(performance.now() - batchStarted),
    });
    turn.afterBatch(outcome.covered);
    if (!done && o.pauseMs > 0) await sleep(o.pauseMs, ctx.signal);
  }
  return true;
}

/** Retries a batch that lost a lock wait, a deadlock or a timeout; the batch's statement rolled back. */
async function withRetries<T>(ctx: RunContext, sizer: BatchSizer, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const state = sqlState(error);
      if (state === undefined || !rolledBackWhole.has(state) || n >= ctx.options.lockRetries) throw error;
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
