// What a task's progress is measured along, read once when its backfill (or `status`) starts: the key's
// leading column type, its smallest value (key-floor.ts) and its statistics from pg_stats (key-scale.ts).
// pg_stats shows only the columns the role may read, and nothing before ANALYZE: then there is no scale.
import { z } from 'zod';
import type { Sql } from '../../src/db/connect.js';
import type { KeyColumn } from '../../src/catalog/describe-table.js';
import type { QualifiedName } from '../../src/sql-text/quote.js';
import type { BackfillCursor } from './backfill-cursors.js';
import { keyFloor } from './key-floor.js';
import { KeyScale, measurableKeyType, type KeyStats } from './key-scale.js';

export interface KeyMeasure {
  /** The key's first column's type (from the plan). */
  readonly leadingKeyType: string | undefined;
  /** That column's smallest value (text), where its span starts for the first range; null when unknown. */
  readonly floor: string | null;
  /** Its statistics, when PostgreSQL has usable ones. */
  readonly scale: KeyScale | null;
}

const statsRow = z.object({
  null_frac: z.coerce.number(),
  bounds: z.array(z.string()).nullable(),
  common: z.array(z.string()).nullable(),
  frequencies: z.array(z.coerce.number()).nullable(),
});

/** Statistics of the key's leading column, or null when pg_stats has none the role may see. */
export async function keyStats(sql: Sql, table: QualifiedName, key: readonly KeyColumn[]): Promise<KeyStats | null> {
  const [leading] = key;
  if (leading === undefined || !measurableKeyType(leading.type)) return null;
  // The table's own row (inherited = false) first; a partitioned table has only the inherited one.
  const rows = await sql`
    select null_frac::float8 as null_frac, histogram_bounds::text::text[] as bounds,
           most_common_vals::text::text[] as common, most_common_freqs::float8[] as frequencies
      from pg_catalog.pg_stats
     where schemaname = ${table.schema} and tablename = ${table.name} and attname = ${leading.name}
     order by inherited
     limit 1`;
  const parsed = statsRow.safeParse(rows[0]);
  if (!parsed.success) return null;
  const row = parsed.data;
  return {
    nullFraction: row.null_frac,
    histogram: row.bounds ?? [],
    commonValues: row.common ?? [],
    commonFrequencies: row.frequencies ?? [],
  };
}

/**
 * The measure of a task's key, with its `cursors`: the floor is read only while a first range (no lower
 * bound) still runs, whose span starts there without statistics. For the progress display only: what
 * cannot be read (the table gone, no permission) leaves that part unknown, and progress falls back
 * (range-fraction.ts).
 */
export async function keyMeasure(
  sql: Sql,
  task: { readonly table: QualifiedName; readonly key: readonly KeyColumn[] },
  cursors: readonly BackfillCursor[],
): Promise<KeyMeasure> {
  const { table, key } = task;
  const stats = await keyStats(sql, table, key).catch(() => null);
  const scale = KeyScale.of(stats);
  const firstRunning = cursors.some((c) => c.kind === 'key' && !c.done && c.lowerBound === null);
  const floor = firstRunning ? await keyFloor(sql, table, key).catch(() => null) : null;
  return { leadingKeyType: key[0]?.type, floor, scale };
}
