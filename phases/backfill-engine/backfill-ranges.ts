// Opens a task's range cursors: those recorded by an earlier run, or new ones. New ones capture the
// upper bound now (the last key, or the table's size in pages) and split the space into
// --concurrency ranges (--max-concurrency under auto), all inserted in one statement.
import { tablePages } from './ctid-sql.js';
import { splitKeyRanges, splitPageRanges } from './key-ranges.js';
import { keysetQueries, keyValues } from './keyset-sql.js';
import { estimateRows } from '../../src/catalog/row-estimate.js';
import type { BackfillTask } from '../../src/plan/plan.js';
import { maxWorkers } from '../../src/settings/worker-count.js';
import { createCursors, listCursors, type BackfillCursor, type CursorKind, type NewCursor } from './backfill-cursors.js';
import type { RunContext } from '../run-context.js';

export async function openRanges(ctx: RunContext, task: BackfillTask): Promise<BackfillCursor[]> {
  const existing = await taskCursors(ctx, task);
  if (existing.length > 0) return existing;
  const kind: CursorKind = task.key.length === 0 ? 'ctid' : 'key';
  const estimate = await estimateRows(ctx.sql, task.table);
  const ranges = kind === 'ctid' ? await pageRanges(ctx, task, estimate) : await keyRanges(ctx, task, estimate);
  await createCursors(
    ctx.sql,
    ctx.store,
    { migration: ctx.migration, task: task.id, kind, keyColumns: task.key.map((k) => k.name), batchSize: ctx.options.batchSize },
    ranges,
  );
  const created = await taskCursors(ctx, task);
  if (created.length === 0) throw new Error(`backfill cursors for ${task.id} were not created`);
  return created;
}

async function taskCursors(ctx: RunContext, task: BackfillTask): Promise<BackfillCursor[]> {
  return (await listCursors(ctx.sql, ctx.store, ctx.migration)).filter((c) => c.task === task.id);
}

async function keyRanges(ctx: RunContext, task: BackfillTask, estimate: number): Promise<NewCursor[]> {
  const [upperRow] = await ctx.sql.unsafe<Record<string, unknown>[]>(keysetQueries(task).upperBound);
  if (upperRow === undefined) return [{ rangeIndex: 0, lowerBound: null, upperBound: null, rowsEstimated: 0 }];
  const upper = keyValues(upperRow, task.key.length);
  const ranges = await splitKeyRanges(ctx.sql, task, upper, maxWorkers(ctx.options));
  return ranges.map((r, i) => ({ rangeIndex: i, lowerBound: r.lower, upperBound: r.upper, rowsEstimated: estimate / ranges.length }));
}

async function pageRanges(ctx: RunContext, task: BackfillTask, estimate: number): Promise<NewCursor[]> {
  const pages = await tablePages(ctx.sql, task.table);
  const ranges = splitPageRanges(pages, maxWorkers(ctx.options));
  if (ranges.length === 0) return [{ rangeIndex: 0, lowerBound: null, upperBound: null, rowsEstimated: 0 }];
  return ranges.map((r, i) => ({
    rangeIndex: i,
    lowerBound: [String(r.lowerPage)],
    upperBound: [String(r.upperPage)],
    rowsEstimated: (estimate * (r.upperPage - r.lowerPage)) / pages,
  }));
}

/** Rows per page, for sizing ctid batches in rows. */
export function rowsPerPage(cursors: readonly BackfillCursor[]): number {
  const pages = cursors.reduce(
    (n, c) => n + (c.upperBound === null || c.lowerBound === null ? 0 : Number(c.upperBound[0]) - Number(c.lowerBound[0])),
    0,
  );
  const rows = cursors.reduce((n, c) => n + c.rowsEstimated, 0);
  return pages > 0 ? Math.max(1, rows / pages) : 1;
}
