// Adaptive batch size that holds each batch's server-side time near a target. Keeps the last 10 (rows, ms)
// observations; a batch over 5× target cuts the size ÷10 and restarts the window from that batch; otherwise
// next = min(targetMs / p90(ms per row), 1.5 × size), so it shrinks at once but grows at most 1.5× a step.
// The result is a whole number clamped to [min, max] and to an outside ceiling (never below min).

export interface BatchSizerOptions {
  readonly initial: number;
  readonly min: number;
  readonly max: number;
  readonly targetMs: number;
}

export interface BatchSizerStats {
  readonly size: number;
  /** server-side ms of the last observed batch; null before the first */
  readonly lastMs: number | null;
  /** p90 of batch ms over the current window; null when the window is empty */
  readonly p90Ms: number | null;
  /** batches observed since construction */
  readonly batches: number;
}

interface Observation {
  readonly rows: number;
  readonly ms: number;
}

const WINDOW = 10;
const CUT_ABOVE_TARGET = 5;
const CUT_DIVISOR = 10;
const MAX_GROWTH = 1.5;

export class BatchSizer {
  readonly #min: number;
  readonly #max: number;
  readonly #targetMs: number;
  #ceiling: number | null = null;
  #size: number;
  #window: Observation[] = [];
  #lastMs: number | null = null;
  #batches = 0;

  constructor(options: BatchSizerOptions) {
    const { initial, min, max, targetMs } = options;
    if (!Number.isInteger(min) || min < 1) throw new RangeError(`BatchSizer: min must be an integer >= 1, got ${min}`);
    if (!Number.isInteger(max) || max < min) throw new RangeError(`BatchSizer: max must be an integer >= min, got ${max}`);
    if (!(targetMs > 0) || !Number.isFinite(targetMs)) throw new RangeError(`BatchSizer: targetMs must be > 0, got ${targetMs}`);
    this.#min = min;
    this.#max = max;
    this.#targetMs = targetMs;
    this.#size = this.#clamp(Number.isFinite(initial) ? initial : min);
  }

  /** The size to use for the next batch. */
  get size(): number {
    return this.#size;
  }

  /** A finished batch: rows it covered (the requested size, or fewer for the last batch), and its server-side ms. Returns the next size. */
  observe(rows: number, serverMs: number): number {
    if (!(rows > 0) || !(serverMs >= 0) || !Number.isFinite(rows) || !Number.isFinite(serverMs)) return this.#size;
    this.#batches += 1;
    this.#lastMs = serverMs;
    if (serverMs > CUT_ABOVE_TARGET * this.#targetMs) {
      this.#window = [{ rows, ms: serverMs }];
      this.#size = this.#clamp(this.#size / CUT_DIVISOR);
      return this.#size;
    }
    this.#window.push({ rows, ms: serverMs });
    if (this.#window.length > WINDOW) this.#window.shift();
    const msPerRow = p90(this.#window.map((o) => o.ms / o.rows));
    const ideal = msPerRow === 0 ? Number.POSITIVE_INFINITY : Math.round(this.#targetMs / msPerRow);
    // At least one row of growth, so a size of 1 can still grow.
    const grown = Math.max(this.#size + 1, Math.floor(this.#size * MAX_GROWTH));
    this.#size = this.#clamp(Math.min(ideal, grown));
    return this.#size;
  }

  /** A batch that hit a lock timeout or statement_timeout: the retry runs at half the size (not below min). Returns the new size. */
  halve(): number {
    this.#size = this.#clamp(this.#size / 2);
    return this.#size;
  }

  /** Sessions were seen waiting on our locks: shrink (by half, not below min). Returns the new size. */
  shrink(): number {
    return this.halve();
  }

  /** An outside ceiling, e.g. from --max-rows-per-second; null removes it. size never exceeds it (but never below min). */
  setCeiling(ceiling: number | null): void {
    if (ceiling !== null && !(ceiling > 0)) throw new RangeError(`BatchSizer: ceiling must be > 0 or null, got ${ceiling}`);
    this.#ceiling = ceiling === null ? null : Math.floor(ceiling);
    this.#size = this.#clamp(this.#size);
  }

  /** Compact rolling aggregates for the state and status. */
  stats(): BatchSizerStats {
    return {
      size: this.#size,
      lastMs: this.#lastMs,
      p90Ms: this.#window.length === 0 ? null : p90(this.#window.map((o) => o.ms)),
      batches: this.#batches,
    };
  }

  #clamp(size: number): number {
    const upper = Math.min(this.#max, this.#ceiling ?? Number.POSITIVE_INFINITY);
    return Math.max(this.#min, Math.min(upper, Math.floor(size)));
  }
}

/** Nearest-rank 90th percentile: with 10 samples the second largest, with fewer the largest. */
function p90(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length * 0.9) - 1] ?? 0;
}
