// The backfill_cursors table: per task and key range, the last committed key and the rows done.
// A batch advances its cursor in the same transaction as its UPDATE (nothing lost, nothing twice).
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

/** Called inside the batch's transaction. */
export async function advanceCursor(
  db: Db,
  store: StateStore,
  c: { migration: string; task: string; rangeIndex: number; position: readonly string[]; rowsAdded: number; done: boolean; batchSize: number },
): Promise<void> {
  await db`
    update ${stateTable(db, store, 'backfill_cursors')} set
      position = ${jsonParam(db, c.position)}, rows_done = rows_done + ${c.rowsAdded}, batches = batches + 1,
      batch_size = ${c.batchSize}, done = ${c.done}, updated_at = now()
    where migration = ${c.migration} and task = ${c.task} and range_index = ${c.rangeIndex}`;
}
