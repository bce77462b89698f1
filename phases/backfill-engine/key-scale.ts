// Where a key value stands among a table's rows, from PostgreSQL's own statistics of the key's leading
// column (pg_stats): the share of the rows whose leading value is below it. The equal-frequency histogram
// (histogram_bounds: buckets holding about the same number of rows each) covers the values that are not
// among the most common ones; those (most_common_vals) count with their own frequencies, as steps. On
// skewed keys (a few far-off ids, one big tenant) this is what "how far along" means, where the key's
// numeric span is not. Without statistics there is no scale, and progress falls back (range-fraction.ts).

const integerTypes = new Set(['smallint', 'integer', 'bigint', 'int2', 'int4', 'int8']);

/** Whether a key column's position can be measured as a number (the leading column of the key). */
export function measurableKeyType(type: string | undefined): boolean {
  return type !== undefined && (integerTypes.has(type) || type === 'uuid');
}

/** A leading key value on its column's numeric scale (integers; uuids as 128-bit numbers), or null. */
export function keyNumber(value: string | undefined): bigint | null {
  if (value === undefined) return null;
  if (integerText.test(value)) return BigInt(value);
  if (uuidText.test(value)) return BigInt(`0x${value.replaceAll('-', '')}`);
  return null;
}

const integerText = /^-?\d+$/;
const uuidText = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 0–1 of `value` between `low` (0) and `high` (1), in BigInt so bigint and uuid keys keep their precision. */
export function between(low: bigint, high: bigint, value: bigint): number {
  if (high <= low) return value >= high ? 1 : 0;
  if (value <= low) return 0;
  if (value >= high) return 1;
  return Number(((value - low) * 1_000_000n) / (high - low)) / 1_000_000;
}

/** The statistics of a leading key column as pg_stats shows them (text values). */
export interface KeyStats {
  readonly nullFraction: number;
  /** histogram_bounds, ascending; empty when there is none. */
  readonly histogram: readonly string[];
  readonly commonValues: readonly string[];
  /** most_common_freqs, one per common value. */
  readonly commonFrequencies: readonly number[];
}

interface CommonValue {
  readonly value: bigint;
  readonly frequency: number;
}

/** The share of the rows at or below a position, as a band: the rows of one value may be partly done. */
export interface Share {
  /** Rows whose leading value is below the position. */
  readonly below: number;
  /** Rows whose leading value is at or below it. */
  readonly upTo: number;
}

export class KeyScale {
  readonly #bounds: readonly bigint[];
  readonly #common: readonly CommonValue[];
  /** The rows the histogram stands for (those not null and not among the common values). */
  readonly #histogramShare: number;
  readonly #known: number;

  private constructor(bounds: readonly bigint[], common: readonly CommonValue[], histogramShare: number) {
    this.#bounds = bounds;
    this.#common = common;
    this.#histogramShare = histogramShare;
    this.#known = common.reduce((n, c) => n + c.frequency, 0) + histogramShare;
  }

  /** A scale from the column's statistics, or null when they say nothing usable (none, or values that aren't numbers). */
  static of(stats: KeyStats | null): KeyScale | null {
    if (stats === null) return null;
    const bounds = stats.histogram.map(keyNumber);
    const usableBounds = bounds.length >= 2 && bounds.every((b, i) => b !== null && (i === 0 || b >= (bounds[i - 1] as bigint)));
    const common: CommonValue[] = [];
    stats.commonValues.forEach((text, i) => {
      const value = keyNumber(text);
      const frequency = stats.commonFrequencies[i];
      if (value !== null && frequency !== undefined && Number.isFinite(frequency) && frequency > 0) common.push({ value, frequency });
    });
    common.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    const commonShare = common.reduce((n, c) => n + c.frequency, 0);
    const nullFraction = Number.isFinite(stats.nullFraction) ? Math.max(0, stats.nullFraction) : 0;
    const histogramShare = usableBounds ? Math.max(0, 1 - nullFraction - commonShare) : 0;
    if (!(commonShare + histogramShare > 0)) return null;
    return new KeyScale(usableBounds ? (bounds as bigint[]) : [], common, histogramShare);
  }

  /** 0–1: the share of the (non-null) rows whose leading value is below `value`, and at or below it. */
  share(value: bigint): Share {
    let below = this.#histogramShare * this.#histogramPosition(value);
    let at = 0;
    for (const c of this.#common) {
      if (c.value < value) below += c.frequency;
      else if (c.value === value) at += c.frequency;
    }
    return { below: unit(below / this.#known), upTo: unit((below + at) / this.#known) };
  }

  /** 0–1 through the histogram: whole buckets below `value`, plus its place within its bucket. */
  #histogramPosition(value: bigint): number {
    const bounds = this.#bounds;
    const buckets = bounds.length - 1;
    if (buckets < 1) return 0;
    if (value <= (bounds[0] as bigint)) return 0;
    if (value >= (bounds[buckets] as bigint)) return 1;
    // The last bound at or below `value` (binary search; bounds ascend).
    let low = 0;
    let high = buckets;
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if ((bounds[mid] as bigint) <= value) low = mid;
      else high = mid;
    }
    return (low + between(bounds[low] as bigint, bounds[low + 1] as bigint, value)) / buckets;
  }
}

function unit(n: number): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}
