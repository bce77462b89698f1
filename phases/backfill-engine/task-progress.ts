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

  /** `cap`: --max-rows-per-second, which the rates shown never exceed. */
  constructor(task: string, cursors: readonly BackfillCursor[], measure: KeyMeasure, cap: number | null) {
    this.task = task;
    this.#cap = cap;
    this.rowsEstimated = cursors.reduce((n, c) => n + c.rowsEstimated, 0);
    this.#measure = measure;
    for (const c of cursors) {
      const { kind, lowerBound, upperBound, position, rowsDone, rowsEstimated, done } = c;
      this.#spans.set(c.rangeIndex, { kind, lowerBound, upperBound, position, rowsDone, rowsEstimated, done });
    }
  }

  get rowsDone(): number {
    return [...this.#spans.values()].reduce((n, s) => n + s.rowsDone, 0);
  }

  /** The fraction of one range done, as its cursor stands. */
  rangeFraction(range: number): number {
    const span = this.#spans.get(range);
    return span === undefined ? 0 : rangeFraction(span, this.#measure);
  }

  get fraction(): number {
    return taskFraction(
      [...this.#spans.values()].map((s) => ({ ...s, share: rangeShare(s, this.#measure), fraction: rangeFraction(s, this.#measure) })),
    );
  }

  get done(): boolean {
    return [...this.#spans.values()].every((s) => s.done);
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
