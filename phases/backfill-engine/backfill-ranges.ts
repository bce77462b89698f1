// Opens a task's range cursors: those recorded by an earlier run, or new ones. New ones capture the
// upper bound now (the last key, or the table's size in pages) and split the space into
// --concurrency ranges (--max-concurrency under auto), all inserted in one statement. They page by
// ctid when the table has no key, or when the task's triggers fill every row writers write and
// --page-ranges allows it (TID range scans read no index); by the key otherwise.
import { tablePagesAndFile } from './ctid-sql.js';
import { splitKeyRanges, splitPageRanges } from './key-ranges.js';
import { keysetQueries, keyValues } from './keyset-sql.js';
import { estimateRows } from '../../src/catalog/row-estimate.js';
import { minimumCtidServerVersion } from '../../src/catalog/server-version.js';
import type { BackfillTask } from '../../src/plan/plan.js';
import { quoteQualified } from '../../src/sql-text/quote.js';
import { maxWorkers } from '../../src/settings/worker-count.js';
import { createCursors, deleteCursors, listCursors, type BackfillCursor, type CursorKind, type NewCursor } from './backfill-cursors.js';
import type { RunContext } from '../run-context.js';

export async function openRanges(ctx: RunContext, task: BackfillTask): Promise<BackfillCursor[]> {
  const existing = await taskCursors(ctx, task);
  // Page ranges recorded before their file was (an older online): the table may have been rewritten
  // since, so their page numbers are not trusted. They start again over the file as it is; the rows
  // already done are skipped.
  if (existing.some((c) => c.kind === 'ctid' && c.relationFile === null)) {
    await deleteCursors(ctx.sql, ctx.store, ctx.migration, task.id);
  } else if (existing.length > 0) {
    return existing;
  }
  const kind = await pagingKind(ctx, task);
  const estimate = await estimateRows(ctx.sql, task.table);
  const { ranges, relationFile } =
    kind === 'ctid' ? await pageRanges(ctx, task, estimate) : { ranges: await keyRanges(ctx, task, estimate), relationFile: null };
  await createCursors(
    ctx.sql,
    ctx.store,
    {
      migration: ctx.migration,
      task: task.id,
      kind,
      keyColumns: task.key.map((k) => k.name),
      batchSize: ctx.options.batchSize,
      relationFile,
    },
    ranges,
  );
  const created = await taskCursors(ctx, task);
  if (created.length === 0) throw new Error(`backfill cursors for ${task.id} were not created`);
  return created;
}

/**
 * ctid for a keyless table; with --page-ranges, ctid for a trigger-filled task on an ordinary table
 * without inheritance children (an UPDATE of the parent reaches theirs too, but the parent's page count
 * does not cover their pages) on PostgreSQL 14+; else the key.
 */
async function pagingKind(ctx: RunContext, task: BackfillTask): Promise<CursorKind> {
  if (task.key.length === 0) return 'ctid';
  if (task.writesFilled !== true || !ctx.options.pageRanges) return 'key';
  const [row] = await ctx.sql<{ pages: boolean }[]>`
    select c.relkind = 'r' and not c.relhassubclass and current_setting('server_version_num')::int >= ${minimumCtidServerVersion} as pages
    from pg_class c where c.oid = ${quoteQualified(task.table)}::regclass`;
  return row?.pages === true ? 'ctid' : 'key';
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

/** The page ranges and the relation file their pages are counted in (one read, so they agree). */
async function pageRanges(ctx: RunContext, task: BackfillTask, estimate: number): Promise<{ ranges: NewCursor[]; relationFile: number }> {
  const { pages, file } = await tablePagesAndFile(ctx.sql, task.table);
  const split = splitPageRanges(pages, maxWorkers(ctx.options));
  if (split.length === 0) return { ranges: [{ rangeIndex: 0, lowerBound: null, upperBound: null, rowsEstimated: 0 }], relationFile: file };
  const ranges = split.map((r, i) => ({
    rangeIndex: i,
    lowerBound: [String(r.lowerPage)],
    upperBound: [String(r.upperPage)],
    rowsEstimated: (estimate * (r.upperPage - r.lowerPage)) / pages,
  }));
  return { ranges, relationFile: file };
}
