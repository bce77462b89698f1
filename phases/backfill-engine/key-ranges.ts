// Splits a table's key space (or its heap pages) into contiguous ranges, one per parallel backfill worker.
// Integer keys are split arithmetically; other keys at quantiles of the keys themselves, sorted by
// PostgreSQL (so collation and type order are the server's), read exactly on small tables and from a
// TABLESAMPLE on large ones. Key values travel as text and are cast back with `$n::text::<type>`: the
// `::text` keeps postgres.js from re-serializing them by their inferred type (timestamps through a
// JavaScript Date, which drops microseconds; booleans, bytea and jsonb are mangled as well).
import type { KeyColumn } from '../../src/catalog/describe-table.js';
import type { Sql } from '../../src/db/connect.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../../src/sql-text/quote.js';
import { InvalidOptionError } from '../../src/errors/index.js';
import { keySqlParts } from './key-sql-parts.js';
import { keyValues } from './keyset-sql.js';

export interface KeyRange {
  /** Exclusive lower bound; null = from the first row. */
  readonly lower: readonly string[] | null;
  /** Inclusive upper bound. */
  readonly upper: readonly string[];
}

export interface PageRange {
  /** First heap page of the range (inclusive). */
  readonly lowerPage: number;
  /** First heap page after the range (exclusive). */
  readonly upperPage: number;
}

export interface KeyRangeSource {
  readonly table: QualifiedName;
  readonly key: readonly KeyColumn[];
}

/** Key types split arithmetically. */
export const integerTypes = new Set(['smallint', 'integer', 'bigint']);
/** Up to this many estimated rows, quantiles are exact: every key ≤ upper is read through the index. */
const exactQuantileRows = 100_000;
const sampleRowsPerRange = 10_000;

/**
 * Splits (−∞, upper] into at most `count` contiguous, non-overlapping ranges whose union is exactly
 * (−∞, upper]: ranges[0].lower = null, ranges[i].lower = ranges[i-1].upper, ranges[last].upper = upper.
 * Fewer ranges when the table is too small or the sampled boundaries collapse (never an empty-width
 * or duplicated boundary). count 1 → [{ lower: null, upper }].
 */
export async function splitKeyRanges(sql: Sql, source: KeyRangeSource, upper: readonly string[], count: number): Promise<KeyRange[]> {
  requirePositiveInteger('range count', count);
  if (upper.length !== source.key.length)
    throw new InvalidOptionError(`upper bound has ${upper.length} values for a key of ${source.key.length} columns`);
  if (count === 1) return [{ lower: null, upper: [...upper] }];
  const [only] = source.key;
  const boundaries =
    source.key.length === 1 && only !== undefined && integerTypes.has(only.type)
      ? await integerBoundaries(sql, source.table, only, upper[0] as string, count)
      : await quantileBoundaries(sql, source, upper, count);
  return rangesBetween(boundaries, upper);
}

/** Contiguous page ranges [lowerPage, upperPage) covering [0, pages), at most `count`, none empty. */
export function splitPageRanges(pages: number, count: number): PageRange[] {
  requirePositiveInteger('range count', count);
  if (!Number.isSafeInteger(pages) || pages < 0) throw new InvalidOptionError(`page count must be a non-negative integer, got ${pages}`);
  const n = Math.min(count, pages);
  return Array.from({ length: n }, (_, i) => ({ lowerPage: Math.floor((pages * i) / n), upperPage: Math.floor((pages * (i + 1)) / n) }));
}

function rangesBetween(boundaries: readonly (readonly string[])[], upper: readonly string[]): KeyRange[] {
  const ends = [...boundaries, [...upper]];
  return ends.map((end, i) => ({ lower: i === 0 ? null : (ends[i - 1] as readonly string[]), upper: end }));
}

/** Even steps over [min, upper]; boundaries need not be existing keys. BigInt, since bigint arrives as text. */
async function integerBoundaries(sql: Sql, table: QualifiedName, key: KeyColumn, upper: string, count: number): Promise<string[][]> {
  const k = quoteIdent(key.name);
  const [row] = await sql.unsafe<{ low: string | null }[]>(
    `select min(${k})::text as low from ${quoteQualified(table)} where ${k} <= $1::text::${key.type}`,
    [upper],
  );
  if (row?.low == null) return [];
  const low = BigInt(row.low);
  const width = BigInt(upper) - low + 1n;
  const boundaries: string[][] = [];
  let previous = 0n;
  for (let i = 1n; i < BigInt(count); i++) {
    // The boundary closes the first `step` values of [low, upper]; steps never decrease, and a repeated
    // one (fewer values than ranges) would make an empty range.
    const step = (width * i) / BigInt(count);
    if (step > previous && step < width) boundaries.push([(low - 1n + step).toString()]);
    previous = step;
  }
  return boundaries;
}

/**
 * The keys at the count-quantiles of the rows ≤ upper (exact on small tables, sampled on large ones),
 * strictly below upper and strictly increasing, since keys are unique and the last row is never picked.
 */
async function quantileBoundaries(sql: Sql, source: KeyRangeSource, upper: readonly string[], count: number): Promise<string[][]> {
  const t = quoteQualified(source.table);
  const { names, list, tuple, asText, bound } = keySqlParts(source.key);
  const outer = names.map((_, i) => `k${i}`).join(', ');
  const width = source.key.length;
  const rows = await estimatedRows(sql, t);
  const percent = Math.min(100, (100 * sampleRowsPerRange * count) / Math.max(rows, 1));
  const sample = rows <= exactQuantileRows || percent >= 100 ? '' : ` tablesample system ($${width + 2}::float8)`;
  // Row rn closes quantile i when floor(rn·count/n) steps up: rn = ceil(n·i/count), for i < count.
  const text = `select ${outer} from (
      select ${asText}, row_number() over (order by ${list}) as rn, count(*) over () as n
      from ${t}${sample} where ${tuple} <= ${bound(1)}) as online_keys
    where rn < n and (rn * $${width + 1}::bigint) / n > ((rn - 1) * $${width + 1}::bigint) / n
    order by rn`;
  const params = sample === '' ? [...upper, count] : [...upper, count, percent];
  const picked = await sql.unsafe<Record<string, string>[]>(text, params);
  return picked.map((row) => keyValues(row, width));
}

/**
 * The planner's row count: pg_class.reltuples scaled to the table's current size, or a guess from the
 * size alone when it was never analyzed (reltuples = -1). Stale statistics cannot hide a table that grew.
 */
async function estimatedRows(sql: Sql, quotedTable: string): Promise<number> {
  const plan = await sql.unsafe<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>(
    `explain (format json) select 1 from ${quotedTable}`,
  );
  return plan[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0;
}

function requirePositiveInteger(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidOptionError(`${what} must be a positive integer, got ${value}`);
}
