// Backfill: keyset batches over each task's table, from its persisted cursor to the upper bound
// captured at start. Each batch's UPDATE and its cursor advance are one statement, so they commit together.
import { backoffDelay, sleep } from '../src/db/backoff.js';
import { sqlState, type Sql } from '../src/db/connect.js';
import { keysetQueries, keyValues, type KeysetQueries } from '../src/db/keyset-sql.js';
import { estimateRows } from '../src/db/row-estimate.js';
import { StoppedError } from '../src/errors/index.js';
import type { BackfillTask } from '../src/operations/plan.js';
import { batchWithCursorAdvance, createCursor, listCursors, type BackfillCursor } from '../src/state/backfill-cursors.js';
import type { RunContext } from './run-context.js';

const RETRYABLE = new Set(['55P03', '40P01', '40001', '57014']);

export async function runBackfill(ctx: RunContext, tasks: readonly BackfillTask[]): Promise<void> {
  if (tasks.length === 0) return;
  ctx.emit({ type: 'phase', migration: ctx.migration, phase: 'backfill' });
  for (const task of tasks) await backfillTask(ctx, task);
}

async function backfillTask(ctx: RunContext, task: BackfillTask): Promise<void> {
  const queries = keysetQueries(task);
  const cursor = await openCursor(ctx, task, queries);
  ctx.emit({
    type: 'backfill-start',
    migration: ctx.migration,
    task: task.id,
    rowsEstimated: cursor.rowsEstimated,
    rowsDone: cursor.rowsDone,
    resumed: cursor.batches > 0,
  });
  const started = performance.now();
  let position = cursor.position;
  let rowsDone = cursor.rowsDone;
  let done = cursor.done;
  let rowsThisRun = 0;
  const upper = cursor.upperBound ?? [];
  const batchSize = ctx.options.batchSize;
  const statements = batchStatements(ctx, queries, task.key.length);
  // One reserved connection per range, with lock_timeout set once: a batch is then two round trips.
  const conn = await ctx.sql.reserve();
  try {
    await conn.unsafe(`set lock_timeout = ${ctx.options.lockTimeoutMs}`);
    while (!done) {
      if (ctx.signal?.aborted === true) throw new StoppedError(ctx.migration, 'interrupted by signal');
      const batchStarted = performance.now();
      const from = position;
      const batch = await withRetries(ctx, () => runBatch(conn, statements, from, upper, batchSize, [ctx.migration, task.id, 0]));
      position = batch.to;
      done = batch.last;
      rowsDone += batch.rows;
      rowsThisRun += batch.rows;
      const elapsed = (performance.now() - started) / 1000;
      ctx.emit({
        type: 'batch',
        migration: ctx.migration,
        task: task.id,
        rowsDone,
        rowsEstimated: cursor.rowsEstimated,
        batchRows: batch.rows,
        batchSize,
        batchMs: Math.round(performance.now() - batchStarted),
        rowsPerSecond: elapsed > 0 ? Math.round(rowsThisRun / elapsed) : 0,
      });
      if (!done && ctx.options.pauseMs > 0) await sleep(ctx.options.pauseMs, ctx.signal);
    }
  } finally {
    await conn.unsafe('reset lock_timeout').catch(() => undefined);
    conn.release();
  }
  ctx.emit({ type: 'backfill-done', migration: ctx.migration, task: task.id, rowsDone, seconds: (performance.now() - started) / 1000 });
}

/** Finds the task's cursor, or creates it by capturing the upper bound and an estimate now. */
async function openCursor(ctx: RunContext, task: BackfillTask, queries: KeysetQueries): Promise<BackfillCursor> {
  const find = async () => (await listCursors(ctx.sql, ctx.store, ctx.migration)).find((c) => c.task === task.id && c.rangeIndex === 0);
  const existing = await find();
  if (existing !== undefined) return existing;
  const [upperRow] = await ctx.sql.unsafe<Record<string, unknown>[]>(queries.upperBound);
  await createCursor(ctx.sql, ctx.store, {
    migration: ctx.migration,
    task: task.id,
    rangeIndex: 0,
    keyColumns: task.key.map((k) => k.name),
    upperBound: upperRow === undefined ? null : keyValues(upperRow, task.key.length),
    rowsEstimated: await estimateRows(ctx.sql, task.table),
    batchSize: ctx.options.batchSize,
  });
  const created = await find();
  if (created === undefined) throw new Error(`backfill cursor for ${task.id} was not created`);
  return created;
}

interface BatchResult {
  readonly to: string[];
  readonly rows: number;
  readonly last: boolean;
}

interface BatchStatements {
  readonly firstBoundary: string;
  readonly nextBoundary: string;
  /** The update and the cursor advance as one statement (see batchWithCursorAdvance). */
  readonly firstUpdate: string;
  readonly nextUpdate: string;
}

function batchStatements(ctx: RunContext, q: KeysetQueries, width: number): BatchStatements {
  return {
    firstBoundary: q.firstBoundary,
    nextBoundary: q.nextBoundary,
    firstUpdate: batchWithCursorAdvance(ctx.store, q.firstUpdate, width + 1),
    nextUpdate: batchWithCursorAdvance(ctx.store, q.nextUpdate, 2 * width + 1),
  };
}

/**
 * One batch: find the key `batchSize` rows on (a read; no transaction needed), then update up to it
 * and advance the cursor in a single atomic statement.
 */
async function runBatch(
  conn: Sql,
  s: BatchStatements,
  position: readonly string[] | null,
  upper: readonly string[],
  batchSize: number,
  cursorKey: readonly [string, string, number],
): Promise<BatchResult> {
  const offset = Math.max(0, batchSize - 1);
  const width = upper.length;
  const [boundary] =
    position === null
      ? await conn.unsafe<Record<string, unknown>[]>(s.firstBoundary, [...upper, offset])
      : await conn.unsafe<Record<string, unknown>[]>(s.nextBoundary, [...position, ...upper, offset]);
  const to = boundary === undefined ? [...upper] : keyValues(boundary, width);
  const last = boundary === undefined || to.every((v, i) => v === upper[i]);
  const cursorParams = [JSON.stringify(to), last, batchSize, ...cursorKey];
  const [result] =
    position === null
      ? await conn.unsafe<{ rows: number }[]>(s.firstUpdate, [...to, ...cursorParams])
      : await conn.unsafe<{ rows: number }[]>(s.nextUpdate, [...position, ...to, ...cursorParams]);
  return { to, rows: result?.rows ?? 0, last };
}

/** Retries a batch that lost a lock wait, a deadlock or a timeout; the batch's transaction rolled back. */
async function withRetries<T>(ctx: RunContext, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const state = sqlState(error);
      if (state === undefined || !RETRYABLE.has(state) || n >= ctx.options.lockRetries) throw error;
      ctx.emit({ type: 'warning', message: `batch retried after ${state === '40P01' ? 'a deadlock' : 'a lock or statement timeout'} (attempt ${n})` });
      await sleep(backoffDelay(n), ctx.signal);
    }
  }
}
