// A task's progress while its ranges run: where each range's cursor stands (the fraction done, see
// range-fraction.ts), the rows updated, and the rates over the recent running time (progress-window.ts).
// Shared by the task's range workers; what a `batch` event reports.
import type { BackfillCursor } from './backfill-cursors.js';
import { ProgressWindow, etaSeconds } from './progress-window.js';
import type { KeyMeasure } from './key-measure.js';
import { expectedRows, percentOf, rangeFraction, rangeShare, taskFraction, type RangeSpan } from './range-fraction.js';

export interface ProgressSnapshot {
  readonly rowsDone: number;
  /** The rows the task is expected to update in all (see expectedRows). */
  readonly rowsExpected: number;
  /** 0–1 by the cursors' positions; 1 only when done. */
  readonly fraction: number;
  /** 0–100 with one decimal; 100 only when done. */
  readonly percent: number;
  /** Rows updated per second over the recent running time; null until known. */
  readonly rowsPerSecond: number | null;
  readonly etaSeconds: number | null;
}

type Span = { -readonly [K in keyof RangeSpan]: RangeSpan[K] };

export class TaskProgress {
  readonly task: string;
  readonly rowsEstimated: number;
  readonly startedAt = performance.now();
  readonly #spans = new Map<number, Span>();
  readonly #measure: KeyMeasure;
  readonly #window = new ProgressWindow();
  readonly #cap: number | null;
  /** The sum of the spans' rows done, kept as batches add to it. */
  #rowsDone = 0;
  /** The task's fraction as the spans stand; null once one changed (computed again when next read). */
  #fraction: number | null = null;

  /** `cap`: --max-rows-per-second, which the rates shown never exceed. */
  constructor(task: string, cursors: readonly BackfillCursor[], measure: KeyMeasure, cap: number | null) {
    this.task = task;
    this.#cap = cap;
    this.rowsEstimated = cursors.reduce((n, c) => n + c.rowsEstimated, 0);
    this.#measure = measure;
    for (const c of cursors) {
      const { kind, lowerBound, upperBound, position, rowsDone, rowsEstimated, done } = c;
      this.#spans.set(c.rangeIndex, { kind, lowerBound, upperBound, position, rowsDone, rowsEstimated, done });
      this.#rowsDone += rowsDone;
    }
  }

  get rowsDone(): number {
    return this.#rowsDone;
  }

  /** The fraction of one range done, as its cursor stands. */
  rangeFraction(range: number): number {
    const span = this.#spans.get(range);
    return span === undefined ? 0 : rangeFraction(span, this.#measure);
  }

  /** Over every range: read at each batch (its window, its event), so computed once per change of a span. */
  get fraction(): number {
    this.#fraction ??= taskFraction(
      [...this.#spans.values()].map((s) => ({ ...s, share: rangeShare(s, this.#measure), fraction: rangeFraction(s, this.#measure) })),
    );
    return this.#fraction;
  }

  get done(): boolean {
    return [...this.#spans.values()].every((s) => s.done);
  }

  /** Where a range stands now (a split moves its upper bound), or undefined for a range the task doesn't have. */
  span(range: number): RangeSpan | undefined {
    const span = this.#spans.get(range);
    return span === undefined ? undefined : { ...span };
  }

  /**
   * The rows a range has left, estimated: (1 − its fraction) × its rows, counted by its share of the
   * table's rows where the statistics give one (they follow a skewed key), else by its estimate.
   */
  rowsLeft(range: number): number {
    const span = this.#spans.get(range);
    if (span === undefined || span.done) return 0;
    const share = rangeShare(span, this.#measure);
    const rows = share === null ? span.rowsEstimated : share * this.rowsEstimated;
    return Math.max(0, (1 - rangeFraction(span, this.#measure)) * rows);
  }

  /**
   * The rows of a range's estimate that move to a new range taking `movedShare` of its remaining work
   * from `at` on: so many that the part done of the shrunken range weighs what it weighed in the whole
   * (w' × f' = w × f), which keeps the task's fraction where it was when ranges weigh by their estimates.
   * First in proportion to the work left; where the fraction counts positions (which a shorter range
   * makes larger), w' = w × f / f'.
   */
  rowsMoved(range: number, at: readonly string[], movedShare: number): number {
    const span = this.#spans.get(range);
    if (span === undefined) return 0;
    const w = span.rowsEstimated;
    const f = rangeFraction(span, this.#measure);
    let kept = w - (1 - f) * w * Math.min(1, Math.max(0, movedShare));
    const shrunk = rangeFraction({ ...span, upperBound: at, rowsEstimated: kept }, this.#measure);
    if (shrunk > 0 && Math.abs(kept * shrunk - w * f) > 0.5) kept = (w * f) / shrunk;
    return Math.round(w - Math.min(w, Math.max(0, kept)));
  }

  /**
   * Range `range` split at `at`: it now ends there, and range `added` takes the rest, with `rowsMoved` of
   * its estimate (rowsMoved). Weighted by estimates, the range's part done then weighs what it weighed
   * before; weighted by statistics, the two ranges' shares add up to the old one's: either way the task's
   * fraction stays where it was, neither a jump nor a step back.
   */
  split(range: number, added: number, at: readonly string[], rowsMoved: number): void {
    const span = this.#spans.get(range);
    if (span === undefined) return;
    const { kind, upperBound } = span;
    this.#spans.set(added, { kind, lowerBound: at, upperBound, position: at, rowsDone: 0, rowsEstimated: rowsMoved, done: false });
    span.upperBound = at;
    span.rowsEstimated = Math.max(0, span.rowsEstimated - rowsMoved);
    this.#fraction = null;
  }

  /** A batch of `range` committed: its cursor now stands at `position`. `clock` is the governor's running clock. */
  advance(
    range: number,
    position: readonly string[],
    last: boolean,
    rows: number,
    clock: { readonly ms: number; readonly stretch: number },
  ): void {
    const span = this.#spans.get(range);
    if (span !== undefined) {
      span.position = position;
      span.done = last;
      span.rowsDone += rows;
      this.#rowsDone += rows;
      this.#fraction = null;
    }
    this.#window.record(clock.ms, clock.stretch, this.rowsDone, this.fraction);
  }

  snapshot(): ProgressSnapshot {
    const rowsDone = this.rowsDone;
    const done = this.done;
    const fraction = this.fraction;
    const rates = done ? null : this.#window.rates(this.#cap);
    // No rows moving (a verify pass finding nothing to update), no rate: no ETA either.
    const moving = rates !== null && rates.rowsPerSecond > 0 ? rates : null;
    return {
      rowsDone,
      rowsExpected: expectedRows(rowsDone, this.rowsEstimated, fraction, done),
      fraction,
      percent: percentOf(fraction, done),
      rowsPerSecond: rates === null ? null : Math.round(rates.rowsPerSecond),
      etaSeconds: done ? null : etaSeconds(fraction, moving),
    };
  }
}
