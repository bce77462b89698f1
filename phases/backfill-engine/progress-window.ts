// Rates of a backfill over a recent window of its running time: the clock it is given stops while the
// worker is held (paused, throttled, outside its windows), so a hold neither drags the rate down nor
// leaves it frozen at the last value. A new running stretch starts an empty window and skips its first
// second. Under --max-rows-per-second the rates never exceed the cap: its bucket lets up to one second of
// rows saved while the worker was slower (or held) through at once, which is not the pace it holds.

/** Samples older than this much running time leave the window. */
const windowMs = 20_000;
/** No rate until the window spans this much running time. */
const minimumSpanMs = 2_000;
/** The start of each running stretch that is not sampled. */
const settleMs = 1_000;

interface Sample {
  readonly ms: number;
  readonly rows: number;
  readonly fraction: number;
}

export interface WindowRates {
  readonly rowsPerSecond: number;
  /** Fraction of the task done per second (0–1 a second): what the ETA divides the rest by. */
  readonly fractionPerSecond: number;
}

export class ProgressWindow {
  #samples: Sample[] = [];
  #stretch = -1;
  #settledAt = 0;

  /**
   * Records the task's totals at `ms` of running time. `stretch` counts the holds the worker came out
   * of; when it changes the window starts over.
   */
  record(ms: number, stretch: number, rows: number, fraction: number): void {
    if (!Number.isFinite(ms) || !Number.isFinite(rows) || !Number.isFinite(fraction)) return;
    if (stretch !== this.#stretch) {
      this.#stretch = stretch;
      this.#samples = [];
      this.#settledAt = ms + settleMs;
    }
    if (ms < this.#settledAt) return;
    this.#samples.push({ ms, rows, fraction });
    while (this.#samples.length > 2 && ms - (this.#samples[1] as Sample).ms >= windowMs) this.#samples.shift();
  }

  /** The rates over the window (at most `cap` rows a second), or null until it holds enough running time. */
  rates(cap: number | null = null): WindowRates | null {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (first === undefined || last === undefined) return null;
    const seconds = (last.ms - first.ms) / 1000;
    if (!(seconds * 1000 >= minimumSpanMs)) return null;
    const measured = Math.max(0, (last.rows - first.rows) / seconds);
    const scale = cap !== null && cap > 0 && measured > cap ? cap / measured : 1;
    const rowsPerSecond = measured * scale;
    const fractionPerSecond = Math.max(0, (last.fraction - first.fraction) / seconds) * scale;
    return Number.isFinite(rowsPerSecond) && Number.isFinite(fractionPerSecond) ? { rowsPerSecond, fractionPerSecond } : null;
  }
}

/** Seconds until done at the window's pace, or null when unknown (no pace yet, or none at all). */
export function etaSeconds(fraction: number, rates: WindowRates | null): number | null {
  if (rates === null || !(rates.fractionPerSecond > 0)) return null;
  const seconds = Math.ceil(Math.max(0, 1 - fraction) / rates.fractionPerSecond);
  return Number.isFinite(seconds) ? seconds : null;
}
