// The backfill_cursors table: per task and key range, the last committed key and the rows done.
// A batch advances its cursor in the same transaction as its UPDATE (nothing lost, nothing twice).
import { quoteIdent } from '../db/quote.js';
import { jsonParam, stateTable, type Db, type StateStore } from './state-store.js';

export interface BackfillCursor {
  readonly task: string;
  readonly rangeIndex: number;
  readonly keyColumns: readonly string[];
  /** The last key at backfill start (text values); null for an empty table. */
  readonly upperBound: readonly string[] | null;
  /** The last key processed; null before the first batch. */
  readonly position: readonly string[] | null;
  readonly rowsDone: number;
  readonly rowsEstimated: number;
  readonly batches: number;
  readonly batchSize: number;
  readonly done: boolean;
  readonly startedAt: Date;
  readonly updatedAt: Date;
}

const columns = (db: Db) =>
  db`task, range_index as "rangeIndex", key_columns as "keyColumns", upper_bound as "upperBound", position,
     rows_done::float8 as "rowsDone", rows_estimated::float8 as "rowsEstimated", batches::float8 as batches,
     batch_size as "batchSize", done, started_at as "startedAt", updated_at as "updatedAt"`;

export async function listCursors(db: Db, store: StateStore, migration: string): Promise<BackfillCursor[]> {
  return db<BackfillCursor[]>`
    select ${columns(db)} from ${stateTable(db, store, 'backfill_cursors')}
    where migration = ${migration} order by task, range_index`;
}

export async function createCursor(
  db: Db,
  store: StateStore,
  c: { migration: string; task: string; rangeIndex: number; keyColumns: readonly string[]; upperBound: readonly string[] | null; rowsEstimated: number; batchSize: number },
): Promise<void> {
  await db`
    insert into ${stateTable(db, store, 'backfill_cursors')}
      (migration, task, range_index, key_columns, upper_bound, rows_estimated, batch_size, done)
    values (${c.migration}, ${c.task}, ${c.rangeIndex}, ${jsonParam(db, c.keyColumns)},
            ${c.upperBound === null ? null : jsonParam(db, c.upperBound)}, ${Math.round(c.rowsEstimated)},
            ${c.batchSize}, ${c.upperBound === null})
    on conflict do nothing`;
}

/**
 * Wraps a batch's `update … ` so that the same statement also advances the cursor: one statement,
 * one implicit transaction, so the rows and the cursor commit together or not at all. The update's
 * own parameters come first; the cursor's are `$first`…`$first+5`: position (JSON text), done,
 * batch size, migration, task, range index. Returns one row `{ rows }`.
 */
export function batchWithCursorAdvance(store: StateStore, update: string, first: number): string {
  const p = (i: number): string => `$${first + i}`;
  return `with updated as (${update} returning 1)
update ${quoteIdent(store.schema)}.backfill_cursors set position = ${p(0)}::text::jsonb,
  rows_done = rows_done + (select count(*) from updated), batches = batches + 1, done = ${p(1)}::boolean,
  batch_size = ${p(2)}::int, updated_at = now()
where migration = ${p(3)}::text and task = ${p(4)}::text and range_index = ${p(5)}::int
returning (select count(*) from updated)::int as rows`;
}
