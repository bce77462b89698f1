// The backfill_cursors table: per task and range, the last committed key (or page), the rows done and
// rolling batch aggregates. A batch advances its cursor in the same statement as its UPDATE (nothing
// lost, nothing twice).
import { quoteIdent } from '../../src/sql-text/quote.js';
import { partitionTaskPrefix } from '../../src/plan/partition-tasks.js';
import { jsonParam, stateTable, type Db, type StateStore } from '../../src/state/state-store.js';

/** `key`: keyset over a key; `ctid`: page ranges of a table without one (positions are page numbers). */
export type CursorKind = 'key' | 'ctid';

export interface BackfillCursor {
  readonly task: string;
  readonly rangeIndex: number;
  readonly kind: CursorKind;
  readonly keyColumns: readonly string[];
  /** Where the range starts (exclusive key, or first page); null = the table's start. */
  readonly lowerBound: readonly string[] | null;
  /** Where the range ends (inclusive key, or page after the last); null for an empty table. */
  readonly upperBound: readonly string[] | null;
  /** A ctid range's relation file (pg_relation_filenode) when its pages were counted; null for keys. */
  readonly relationFile: number | null;
  /** The last key processed (or next page); null before the first batch. */
  readonly position: readonly string[] | null;
  readonly rowsDone: number;
  readonly rowsEstimated: number;
  readonly batches: number;
  readonly batchSize: number;
  readonly batchMsLast: number;
  readonly batchMsAvg: number;
  readonly batchMsMax: number;
  readonly rowsPerSecond: number;
  readonly done: boolean;
  readonly startedAt: Date;
  readonly updatedAt: Date;
}

const columns = (db: Db) =>
  db`task, range_index as "rangeIndex", key_kind as kind, key_columns as "keyColumns", lower_bound as "lowerBound",
     upper_bound as "upperBound", relation_file::float8 as "relationFile", position, rows_done::float8 as "rowsDone", rows_estimated::float8 as "rowsEstimated",
     batches::float8 as batches, batch_size as "batchSize", batch_ms_last as "batchMsLast", batch_ms_avg as "batchMsAvg",
     batch_ms_max as "batchMsMax", rows_per_second as "rowsPerSecond", done, started_at as "startedAt", updated_at as "updatedAt"`;

export async function listCursors(db: Db, store: StateStore, migration: string): Promise<BackfillCursor[]> {
  return db<BackfillCursor[]>`
    select ${columns(db)} from ${stateTable(db, store, 'backfill_cursors')}
    where migration = ${migration} order by task, range_index`;
}

export interface NewCursor {
  readonly rangeIndex: number;
  readonly lowerBound: readonly string[] | null;
  readonly upperBound: readonly string[] | null;
  readonly rowsEstimated: number;
}

/**
 * Forgets a task's ranges, and those of its leaf partitions' tasks (partition-tasks.ts), so that the
 * next run pages the table afresh (after a rewrite moved its rows, or for a sweep).
 */
export async function deleteCursors(db: Db, store: StateStore, migration: string, task: string): Promise<void> {
  await db`
    delete from ${stateTable(db, store, 'backfill_cursors')}
    where migration = ${migration} and (task = ${task} or starts_with(task, ${partitionTaskPrefix(task)}))`;
}

/**
 * Forgets the ranges of a partitioned table's task that belong to none of its leaves now: a partition
 * detached or dropped since (its rows are no longer the table's), and the task's own ranges from when
 * the table had no partitions. The leaves' own ranges are kept.
 */
export async function deleteCursorsOfNoLeaf(
  db: Db,
  store: StateStore,
  migration: string,
  task: string,
  leaves: readonly string[],
): Promise<void> {
  await db`
    delete from ${stateTable(db, store, 'backfill_cursors')}
    where migration = ${migration}
      and (task = ${task} or (starts_with(task, ${partitionTaskPrefix(task)})
                              and task not in (select jsonb_array_elements_text(${jsonParam(db, leaves)}))))`;
}

/** Creates all the ranges of a task in one statement, so a crash never leaves half of them. */
export async function createCursors(
  db: Db,
  store: StateStore,
  task: {
    readonly migration: string;
    readonly task: string;
    readonly kind: CursorKind;
    readonly keyColumns: readonly string[];
    readonly batchSize: number;
    /** For ctid ranges: the relation file their pages belong to. */
    readonly relationFile: number | null;
  },
  ranges: readonly NewCursor[],
): Promise<void> {
  const rows = ranges.map((r) => ({
    migration: task.migration,
    task: task.task,
    range_index: r.rangeIndex,
    key_kind: task.kind,
    key_columns: task.keyColumns,
    lower_bound: r.lowerBound,
    upper_bound: r.upperBound,
    relation_file: task.relationFile,
    position: r.lowerBound,
    rows_estimated: Math.round(r.rowsEstimated),
    batch_size: task.batchSize,
    done: r.upperBound === null,
  }));
  await db`
    insert into ${stateTable(db, store, 'backfill_cursors')}
      (migration, task, range_index, key_kind, key_columns, lower_bound, upper_bound, relation_file, position, rows_estimated, batch_size, done)
    select migration, task, range_index, key_kind, key_columns, lower_bound, upper_bound, relation_file, position, rows_estimated, batch_size, done
    from jsonb_to_recordset(${jsonParam(db, rows)}) as r(
      migration text, task text, range_index int, key_kind text, key_columns jsonb, lower_bound jsonb, upper_bound jsonb,
      relation_file bigint, position jsonb, rows_estimated bigint, batch_size int, done boolean)
    on conflict do nothing`;
}

/**
 * Wraps a batch's `update …` so that the same statement also advances the cursor: one statement, one
 * implicit transaction, so the rows and the cursor commit together or not at all. It also measures the
 * batch on the server: `clock_timestamp()` is read after the aggregate has consumed every updated row,
 * so `ms` is the UPDATE's execution time, without network or client time. The update's own parameters
 * come first; the cursor's are `$first`…`$first+6`: position (JSON text), done, batch size, migration,
 * task, range index, rows/s. Returns one row `{ rows, ms }`; none when `gate`, a condition the cursor
 * advance also needs (one the update checks too), is false: then nothing changed.
 */
export function batchWithCursorAdvance(store: StateStore, update: string, first: number, gate?: string): string {
  const p = (i: number): string => `$${first + i}`;
  return `with updated as (${update} returning 1),
b as (select count(*)::int as n, (extract(epoch from clock_timestamp() - statement_timestamp()) * 1000)::float8 as ms from updated)
update ${quoteIdent(store.schema)}.backfill_cursors c set position = ${p(0)}::text::jsonb,
  rows_done = c.rows_done + b.n, batches = c.batches + 1, done = ${p(1)}::boolean, batch_size = ${p(2)}::int,
  batch_ms_last = b.ms, batch_ms_max = greatest(c.batch_ms_max, b.ms),
  batch_ms_avg = case when c.batches = 0 then b.ms else c.batch_ms_avg * 0.9 + b.ms * 0.1 end,
  rows_per_second = ${p(6)}::float8, updated_at = now()
from b
where c.migration = ${p(3)}::text and c.task = ${p(4)}::text and c.range_index = ${p(5)}::int${gate === undefined ? '' : ` and ${gate}`}
returning b.n as rows, b.ms as ms`;
}
