// --min-progress: a floor under the backfill's rate that throttles cannot push it below unnoticed.
// GitLab had to disable a WAL-based throttle that held migrations for most of the day: a throttle that
// is right each time it holds can still starve a run. The floor watches the rows the run covers over a
// trailing window of time in which it could run (a pause or a closed window is the user's choice, so
// either starts the window again); when the throttle held it there and it covered fewer rows than
// the floor asks for, the run is starving. It then says so, and with `--min-progress-action run` it
// runs one batch of --min-batch-size anyway whenever the floor's pace is due: no faster than the floor
// needs, so a throttled run moves at exactly the least the user asked for.

export type MinProgressAction = 'warn' | 'run';

export interface ProgressFloorOptions {
  /** The floor: rows per hour the run should cover at least. */
  readonly rowsPerHour: number;
  /** The trailing window the rows are counted over; also how long a run must have been able to run before it can be starving. */
  readonly windowMs: number;
  /** The size of a batch run anyway. */
  readonly minBatchSize: number;
}

/** A starving run: what it covered in the window against what the floor asks for there. */
export interface Starving {
  readonly rowsInWindow: number;
  readonly floorRows: number;
  readonly windowMs: number;
}

const hourMs = 3_600_000;

export class ProgressFloor {
  readonly #options: ProgressFloorOptions;
  /** Committed batches in the trailing window, oldest first. */
  readonly #batches: { readonly at: number; readonly rows: number }[] = [];
  /** Since when the run could run without a break (a pause or a closed window restarts it). */
  #countingSince: number;
  #suspended = false;
  #lastThrottledAt: number | null = null;
  /** The last batch admitted (forced or not): forced batches keep the floor's pace from it. */
  #lastBatchAt: number | null = null;

  constructor(options: ProgressFloorOptions, now: number) {
    this.#options = options;
    this.#countingSince = now;
  }

  /** A batch was admitted (it will run now). */
  admitted(now: number): void {
    this.#counting(now);
    this.#lastBatchAt = now;
  }

  /** A batch committed, covering `rows` rows (keys or pages passed). */
  covered(now: number, rows: number): void {
    this.#batches.push({ at: now, rows });
    this.#forget(now);
  }

  /** The throttle holds the run now. */
  throttled(now: number): void {
    this.#counting(now);
    this.#lastThrottledAt = now;
  }

  /** The run is held by the user's choice (paused, outside its windows): that time does not count. */
  suspend(): void {
    this.#suspended = true;
  }

  /** The starving reading now, or null: not a whole window of running time yet, the throttle did not hold in it, or the floor is met. */
  starving(now: number): Starving | null {
    this.#counting(now);
    this.#forget(now);
    const { windowMs, rowsPerHour } = this.#options;
    if (now - this.#countingSince < windowMs) return null;
    if (this.#lastThrottledAt === null || this.#lastThrottledAt < now - windowMs) return null;
    const rowsInWindow = this.#batches.reduce((sum, b) => sum + b.rows, 0);
    const floorRows = Math.ceil((rowsPerHour * windowMs) / hourMs);
    return rowsInWindow < floorRows ? { rowsInWindow, floorRows, windowMs } : null;
  }

  /** Milliseconds until a batch run anyway keeps the floor's pace (0: now): one min-size batch per minBatchSize / rowsPerHour. */
  forcedBatchDueInMs(now: number): number {
    const everyMs = this.forcedBatchEveryMs();
    return this.#lastBatchAt === null ? 0 : Math.max(0, this.#lastBatchAt + everyMs - now);
  }

  /** How often a starving run with `--min-progress-action run` runs a batch of --min-batch-size. */
  forcedBatchEveryMs(): number {
    return (this.#options.minBatchSize / this.#options.rowsPerHour) * hourMs;
  }

  #counting(now: number): void {
    if (!this.#suspended) return;
    this.#suspended = false;
    this.#countingSince = now;
    this.#lastThrottledAt = null;
  }

  #forget(now: number): void {
    const since = now - this.#options.windowMs;
    while ((this.#batches[0]?.at ?? Infinity) < since) this.#batches.shift();
  }
}
