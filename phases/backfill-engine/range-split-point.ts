// Where a running range splits for an idle worker: strictly between its cursor and its upper bound, near
// the middle of what it has left. A single integer key at the arithmetic midpoint, ctid ranges at the
// middle page; any other key at the middle one of the rows left, read by PostgreSQL in index order (as
// key-ranges.ts splits them): exactly over at most `exactSplitRows` of them, or from a TABLESAMPLE when
// more are left, so the cost stays bounded whatever the range's size.
import type { Sql } from '../../src/db/connect.js';
import { quoteQualified } from '../../src/sql-text/quote.js';
import type { BackfillCursor } from './backfill-cursors.js';
import { integerTypes, type KeyRangeSource } from './key-ranges.js';
import { keySqlParts } from './key-sql-parts.js';
import { keyValues } from './keyset-sql.js';

export interface SplitPoint {
  /** The shrunken range's new upper bound (inclusive key, or the page after its last) and the new range's lower bound. */
  readonly at: readonly string[];
  /** The share (0–1) of the range's remaining work that moves to the new range. */
  readonly movedShare: number;
}

/** Where a range stands: its cursor (or lower bound before its first batch) and its upper bound. */
export type SplitSpan = Pick<BackfillCursor, 'kind' | 'lowerBound' | 'upperBound' | 'position'>;

/** Rows left up to which the middle key is read exactly (at most this many, through the index). */
export const exactSplitRows = 100_000;
const sampleRows = 10_000;

/** Pages [from, upper): the middle page, when one lies strictly between. */
export function pageMidpoint(from: number, upper: number): SplitPoint | null {
  const at = Math.floor((from + upper) / 2);
  if (!(at > from && at < upper)) return null;
  return { at: [String(at)], movedShare: (upper - at) / (upper - from) };
}

/** Keys (from, upper] of an integer key: the midpoint, when one lies strictly between. BigInt: bigint keys arrive as text. */
export function integerMidpoint(from: string, upper: string): SplitPoint | null {
  const low = BigInt(from);
  const high = BigInt(upper);
  const at = low + (high - low) / 2n;
  if (!(at > low && at < high)) return null;
  return { at: [at.toString()], movedShare: Number(high - at) / Number(high - low) };
}

/**
 * The middle key of the rows in (from, upper], with its row number `rn` of `n` rows read. Exact: the first
 * `$2w+1` rows in key order. Sampled: a TABLESAMPLE SYSTEM of `$2w+1` percent of the table's pages.
 * Params: from…, upper…, limit or percent. `rn < n` keeps the key strictly below upper.
 */
export function middleKeyQuery(source: KeyRangeSource, sampled: boolean): string {
  const { list, tuple, asText, bound } = keySqlParts(source.key);
  const width = source.key.length;
  const left = `${tuple} > ${bound(1)} and ${tuple} <= ${bound(width + 1)}`;
  const t = quoteQualified(source.table);
  const rows = sampled
    ? `select ${list} from ${t} tablesample system ($${2 * width + 1}::float8) where ${left}`
    : `select ${list} from ${t} where ${left} order by ${list} limit $${2 * width + 1}::bigint`;
  return `select * from (
      select ${asText}, row_number() over (order by ${list})::float8 as rn, count(*) over ()::float8 as n
      from (${rows}) as online_left) as online_keys
    where rn = floor((n + 1) / 2) and rn < n`;
}

/**
 * Where to split `span`, or null when no point lies strictly inside what it has left (or it has no
 * position yet: a first range before its first batch). `rowsLeft`: the range's remaining rows, estimated;
 * `tableRows`: the table's, for the sample's size.
 */
export async function splitPointFor(
  sql: Sql,
  source: KeyRangeSource,
  span: SplitSpan,
  rowsLeft: number,
  tableRows: number,
): Promise<SplitPoint | null> {
  const upper = span.upperBound;
  if (upper === null) return null;
  if (span.kind === 'ctid') return pageMidpoint(Number(span.position?.[0] ?? span.lowerBound?.[0] ?? 0), Number(upper[0]));
  const from = span.position ?? span.lowerBound;
  if (from === null) return null;
  const [only] = source.key;
  if (source.key.length === 1 && only !== undefined && integerTypes.has(only.type))
    return integerMidpoint(from[0] as string, upper[0] as string);
  if (rowsLeft > exactSplitRows && tableRows > 0) {
    const percent = Math.min(100, (100 * sampleRows) / tableRows);
    const sampled = await middleKey(sql, source, true, [...from, ...upper, percent]);
    if (sampled !== null) return { at: sampled.at, movedShare: (sampled.read - sampled.rn) / sampled.read };
  }
  const exact = await middleKey(sql, source, false, [...from, ...upper, exactSplitRows]);
  if (exact === null) return null;
  // A read that stopped at its limit: the range goes on past it, so the upper part is most of the work.
  const rows = exact.read >= exactSplitRows ? Math.max(rowsLeft, exact.read) : exact.read;
  return { at: exact.at, movedShare: (rows - exact.rn) / rows };
}

/** The middle key of a read of `read` rows, and its row number there. */
async function middleKey(
  sql: Sql,
  source: KeyRangeSource,
  sampled: boolean,
  params: readonly (string | number)[],
): Promise<{ readonly at: readonly string[]; readonly rn: number; readonly read: number } | null> {
  const [row] = await sql.unsafe<Record<string, unknown>[]>(middleKeyQuery(source, sampled), [...params]);
  if (row === undefined) return null;
  return { at: keyValues(row, source.key.length), rn: Number(row.rn), read: Number(row.n) };
}
