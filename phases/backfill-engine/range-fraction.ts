// How far a backfill is, measured by where its cursors stand in their ranges (exact), not by rows
// updated against a row estimate (rows that need no work, a verify pass and stale statistics all
// made that wrong).
//
// Position per range:
// - ctid: pages done of the range's pages;
// - a key whose leading column is an integer or a uuid: the share of the range's span of that column
//   that lies at or below the cursor (uuids as 128-bit numbers; a composite key moves by its leading
//   column only, so it advances in steps but never backwards). The first range has no lower bound (it
//   starts at the table's first row): its span starts at `floor`, the column's smallest value, read
//   when the backfill (or `status`) starts; without it the range falls back as below;
// - any other key (text, timestamps, …): position in the key's collation order can't be turned into a
//   number, so the range counts by its split points: a finished range counts fully, and an unfinished
//   one by its rows updated against its own estimate, capped at 95% until the range is done.
// A task's fraction is its ranges' fractions weighted by their estimates (set at split time in
// proportion to pages, or equal for key ranges), equal weights when there are none.
import type { BackfillCursor } from './backfill-cursors.js';

/** What a range's progress is computed from: its cursor. */
export type RangeSpan = Pick<BackfillCursor, 'kind' | 'lowerBound' | 'upperBound' | 'position' | 'rowsDone' | 'rowsEstimated' | 'done'>;

/** An unfinished range never counts as finished. */
const unfinishedCap = 0.999;
/** Rows against an estimate are a guess: an unfinished range of a non-numeric key stops here. */
const guessedCap = 0.95;
const integerTypes = new Set(['smallint', 'integer', 'bigint', 'int2', 'int4', 'int8']);
const integerText = /^-?\d+$/;
const uuidText = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a key column's position can be measured as a number (the leading column of the key). */
export function measurableKeyType(type: string | undefined): boolean {
  return type !== undefined && (integerTypes.has(type) || type === 'uuid');
}

/** A key value as a number on its column's scale, or null when it isn't one. */
function keyNumber(value: string | undefined): bigint | null {
  if (value === undefined) return null;
  if (integerText.test(value)) return BigInt(value);
  if (uuidText.test(value)) return BigInt(`0x${value.replaceAll('-', '')}`);
  return null;
}

/** 0–1 of `value` between `low` (0) and `high` (1), in BigInt so bigint and uuid keys keep their precision. */
function between(low: bigint, high: bigint, value: bigint): number {
  if (high <= low) return value >= high ? 1 : 0;
  const millionths = ((value - low) * 1_000_000n) / (high - low);
  return clamp(Number(millionths) / 1_000_000, 0, 1);
}

function clamp(n: number, low: number, high: number): number {
  return Number.isFinite(n) ? Math.min(high, Math.max(low, n)) : low;
}

/**
 * 0–1: how much of one range is done. 1 only for a finished range. `leadingKeyType` is the key's first
 * column's type (from the plan), `floor` that column's smallest value (text), for the first range.
 */
export function rangeFraction(span: RangeSpan, leadingKeyType: string | undefined, floor: string | null): number {
  if (span.done) return 1;
  if (span.position === null && span.lowerBound === null) return 0;
  if (span.kind === 'ctid') {
    const low = keyNumber(span.lowerBound?.[0]);
    const high = keyNumber(span.upperBound?.[0]);
    const at = keyNumber(span.position?.[0]);
    if (low === null || high === null || at === null) return 0;
    return Math.min(unfinishedCap, between(low, high, at));
  }
  if (measurableKeyType(leadingKeyType)) {
    const low = keyNumber(span.lowerBound === null ? (floor ?? undefined) : span.lowerBound[0]);
    const high = keyNumber(span.upperBound?.[0]);
    const at = span.position === null ? low : keyNumber(span.position[0]);
    if (low !== null && high !== null && at !== null) {
      // The first range includes its floor; later ranges start just after their (exclusive) lower bound.
      return Math.min(unfinishedCap, between(span.lowerBound === null ? low - 1n : low, high, at));
    }
  }
  return span.rowsEstimated > 0 ? clamp(span.rowsDone / span.rowsEstimated, 0, guessedCap) : 0;
}

/** One range as a task's fraction sums it: its weight (estimate) and how much of it is done. */
export interface WeightedRange {
  readonly rowsEstimated: number;
  readonly done: boolean;
  readonly fraction: number;
}

/** 0–1 over a task's ranges, each weighted by its estimate; 1 only when every range is done. */
export function taskFraction(ranges: readonly WeightedRange[]): number {
  if (ranges.every((r) => r.done)) return 1;
  const total = ranges.reduce((n, r) => n + Math.max(0, r.rowsEstimated), 0);
  const weight = (r: WeightedRange): number => (total > 0 ? Math.max(0, r.rowsEstimated) / total : 1 / ranges.length);
  const sum = ranges.reduce((n, r) => n + weight(r) * clamp(r.fraction, 0, 1), 0);
  return clamp(sum, 0, unfinishedCap);
}

/** A percent for people: one decimal, 100 only when done, never above it and never non-finite. */
export function percentOf(fraction: number, done: boolean): number {
  if (done) return 100;
  return Math.min(99.9, Math.floor(clamp(fraction, 0, 1) * 1000) / 10);
}

/** Below this fraction done, rows done say too little about the total to project from them. */
const projectFrom = 0.05;

/**
 * The rows the task is expected to update in all: what it updated once done; else projected from the
 * rows done and the fraction done once that says something (0 for a pass that updates nothing, such as
 * a verify pass); else the estimate taken at start. Never less than the rows already done.
 */
export function expectedRows(rowsDone: number, estimate: number, fraction: number, done: boolean): number {
  if (done) return rowsDone;
  const projected = fraction >= projectFrom ? rowsDone / fraction : estimate;
  return Math.max(rowsDone, Math.round(clamp(projected, 0, Number.MAX_SAFE_INTEGER)));
}
