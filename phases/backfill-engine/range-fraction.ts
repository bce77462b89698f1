// How far a backfill is, measured by where its cursors stand in their ranges, not by rows updated
// against a row estimate (rows that need no work, a verify pass and stale statistics all made that wrong).
//
// Position per range:
// - ctid: pages done of the range's pages;
// - a key whose leading column is an integer or a uuid, with statistics (key-scale.ts): the share of the
//   table's rows between the range's lower bound and the cursor, of those between its bounds, read from
//   PostgreSQL's equal-frequency histogram of that column and its most common values. On a composite
//   key the cursor moves by its leading column only; while it stays within one common value (a big
//   tenant) the position can't say how far into that value it is, so the range counts its rows updated
//   against its estimate there, kept within what the position allows;
// - the same key without statistics (never analyzed, or not visible to the role): the share of the
//   range's span of that column at or below the cursor (uuids as 128-bit numbers). The first range has no
//   lower bound: its span starts at `floor`, the column's smallest value; without it, as below;
// - any other key (text, timestamps, …): position in the key's collation order can't be turned into a
//   number, so an unfinished range counts its rows updated against its own estimate, capped at 95%.
// A task's fraction is its ranges' fractions weighted by their share of the rows: by statistics where
// the ranges are bounded by a single-column key, else by their estimates (set at split time in
// proportion to pages, or to quantiles of the key), equal weights when there are none.
import type { BackfillCursor } from './backfill-cursors.js';
import type { KeyMeasure } from './key-measure.js';
import { between, keyNumber, measurableKeyType, type KeyScale } from './key-scale.js';

/** What a range's progress is computed from: its cursor. */
export type RangeSpan = Pick<BackfillCursor, 'kind' | 'lowerBound' | 'upperBound' | 'position' | 'rowsDone' | 'rowsEstimated' | 'done'>;

/** An unfinished range never counts as finished. */
const unfinishedCap = 0.999;
/** Rows against an estimate are a guess: an unfinished range measured by them stops here. */
const guessedCap = 0.95;

function clamp(n: number, low: number, high: number): number {
  return Number.isFinite(n) ? Math.min(high, Math.max(low, n)) : low;
}

/** 0–1: how much of one range is done. 1 only for a finished range. */
export function rangeFraction(span: RangeSpan, measure: KeyMeasure): number {
  if (span.done) return 1;
  if (span.position === null) return 0;
  if (span.kind === 'ctid') {
    const low = keyNumber(span.lowerBound?.[0]);
    const high = keyNumber(span.upperBound?.[0]);
    const at = keyNumber(span.position[0]);
    if (low === null || high === null || at === null) return 0;
    return Math.min(unfinishedCap, between(low, high, at));
  }
  if (measurableKeyType(measure.leadingKeyType)) {
    const measured = (measure.scale === null ? null : scaledFraction(span, measure.scale)) ?? linearFraction(span, measure.floor);
    if (measured !== null) return Math.min(unfinishedCap, measured);
  }
  return rowsFraction(span);
}

/** Rows updated against the range's estimate, capped: a guess. */
function rowsFraction(span: RangeSpan): number {
  return span.rowsEstimated > 0 ? clamp(span.rowsDone / span.rowsEstimated, 0, guessedCap) : 0;
}

/** The range's bounds as shares of the table's rows (0 before the first row, 1 after the last), or null. */
function rangeShares(span: RangeSpan, scale: KeyScale): { readonly start: number; readonly end: number } | null {
  let start = 0;
  if (span.lowerBound !== null) {
    const low = keyNumber(span.lowerBound[0]);
    if (low === null) return null;
    const share = scale.share(low);
    // An exclusive single-column bound starts after its value; a composite one somewhere within it.
    start = span.lowerBound.length === 1 ? share.upTo : share.below;
  }
  let end = 1;
  if (span.upperBound !== null) {
    const high = keyNumber(span.upperBound[0]);
    if (high === null) return null;
    end = scale.share(high).upTo;
  }
  return end > start ? { start, end } : null;
}

/** By the statistics; null when they give the range no rows (then the key's span decides). */
function scaledFraction(span: RangeSpan, scale: KeyScale): number | null {
  const shares = rangeShares(span, scale);
  const at = keyNumber(span.position?.[0]);
  if (shares === null || at === null) return null;
  const { start, end } = shares;
  const cursor = scale.share(at);
  // A single-column cursor has done its value; a composite one is somewhere within it.
  const single = span.position?.length === 1;
  const low = clamp(((single ? cursor.upTo : cursor.below) - start) / (end - start), 0, 1);
  const high = clamp((cursor.upTo - start) / (end - start), low, 1);
  return clamp(rowsFraction(span), low, high);
}

/** By the key's numeric span; null when a bound (or the first range's floor) is unknown. */
function linearFraction(span: RangeSpan, floor: string | null): number | null {
  const low = keyNumber(span.lowerBound === null ? (floor ?? undefined) : span.lowerBound[0]);
  const high = keyNumber(span.upperBound?.[0]);
  const at = keyNumber(span.position?.[0]);
  if (low === null || high === null || at === null) return null;
  // The first range includes its floor; later ranges start just after their (exclusive) lower bound.
  return between(span.lowerBound === null ? low - 1n : low, high, at);
}

/**
 * The range's share of the task's rows by the statistics, where its bounds are single-column keys (a
 * composite key's ranges share their boundary values, and were split by quantiles anyway); else null.
 */
export function rangeShare(span: RangeSpan, measure: KeyMeasure): number | null {
  if (span.kind !== 'key' || measure.scale === null || !measurableKeyType(measure.leadingKeyType)) return null;
  if ((span.lowerBound?.length ?? 1) !== 1 || (span.upperBound?.length ?? 1) !== 1) return null;
  const shares = rangeShares(span, measure.scale);
  return shares === null ? null : shares.end - shares.start;
}

/** One range as a task's fraction sums it: its weight and how much of it is done. */
export interface WeightedRange {
  readonly rowsEstimated: number;
  /** Its share of the table's rows by statistics (rangeShare), when known. */
  readonly share?: number | null;
  readonly done: boolean;
  readonly fraction: number;
}

/** 0–1 over a task's ranges, each weighted by its share of the rows; 1 only when every range is done. */
export function taskFraction(ranges: readonly WeightedRange[]): number {
  if (ranges.every((r) => r.done)) return 1;
  const shares = ranges.map((r) => r.share);
  const byShare = shares.every((s) => s !== undefined && s !== null && Number.isFinite(s) && s >= 0) && shares.some((s) => (s ?? 0) > 0);
  const weightOf = (r: WeightedRange): number => Math.max(0, (byShare ? r.share : r.rowsEstimated) ?? 0);
  const total = ranges.reduce((n, r) => n + weightOf(r), 0);
  const weight = (r: WeightedRange): number => (total > 0 ? weightOf(r) / total : 1 / ranges.length);
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
 * rows done and the fraction done once both say something; else the estimate taken at start (so a pass
 * that has updated nothing yet, such as a verify pass, still shows the rows it scans). Never less than
 * the rows already done.
 */
export function expectedRows(rowsDone: number, estimate: number, fraction: number, done: boolean): number {
  if (done) return rowsDone;
  const projected = fraction >= projectFrom && rowsDone > 0 ? rowsDone / fraction : estimate;
  return Math.max(rowsDone, Math.round(clamp(projected, 0, Number.MAX_SAFE_INTEGER)));
}
