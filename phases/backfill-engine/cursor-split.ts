// Splits a range's cursor in two in one statement: the range's upper bound shrinks to the split point
// and a new cursor row takes (split point, old upper bound]. It commits whole or not at all, so a kill
// at any moment leaves either the old range or the two new ones: never a gap, never an overlap.
import { quoteIdent } from '../../src/sql-text/quote.js';
import type { Db, StateStore } from '../../src/state/state-store.js';

export interface CursorSplit {
  readonly migration: string;
  readonly task: string;
  readonly rangeIndex: number;
  /** The range's upper bound as this worker knows it: the split changes nothing if the recorded one differs. */
  readonly upper: readonly string[];
  readonly at: readonly string[];
  /** Rows of the range's estimate that move to the new range. */
  readonly rowsMoved: number;
}

/**
 * Params: migration, task, range index, upper (JSON text), split point (JSON text), rows moved. The new
 * range's index is the task's largest plus one (the caller runs one split of a task at a time); it starts
 * at the split point with no rows done and the range's batch size (and relation file). Returns its index, or no row.
 */
export function splitCursorSql(store: StateStore): string {
  const t = `${quoteIdent(store.schema)}.backfill_cursors`;
  return `with shrunk as (
  update ${t} c set upper_bound = $5::text::jsonb, rows_estimated = greatest(0, c.rows_estimated - $6::bigint), updated_at = now()
  where c.migration = $1::text and c.task = $2::text and c.range_index = $3::int and not c.done and c.upper_bound = $4::text::jsonb
  returning c.migration, c.task, c.key_kind, c.key_columns, c.relation_file, c.batch_size)
insert into ${t} (migration, task, range_index, key_kind, key_columns, lower_bound, upper_bound, relation_file, position, rows_estimated, batch_size, done)
select s.migration, s.task, (select max(o.range_index) + 1 from ${t} o where o.migration = s.migration and o.task = s.task),
  s.key_kind, s.key_columns, $5::text::jsonb, $4::text::jsonb, s.relation_file, $5::text::jsonb, $6::bigint, s.batch_size, false
from shrunk s
returning range_index as "rangeIndex"`;
}

/** Runs the split; the new range's index, or undefined when the range was not as `split.upper` says (nothing changed). */
export async function splitCursor(db: Db, store: StateStore, split: CursorSplit): Promise<number | undefined> {
  const [row] = await db.unsafe<{ rangeIndex: number }[]>(splitCursorSql(store), [
    split.migration,
    split.task,
    split.rangeIndex,
    JSON.stringify(split.upper),
    JSON.stringify(split.at),
    Math.max(0, Math.round(split.rowsMoved)),
  ]);
  return row?.rangeIndex;
}
