// Decides when a backfill batch may run, for every range worker of a run: not after a stop signal or
// --max-duration, not while paused (a flag any host can set), not outside the windows, not while a
// health probe or the throttle query holds it, and not faster than --max-rows-per-second. A monitor
// loop on its own connection reads the pause flag about every second and the health probes every
// --probe-interval; what the worker is doing (and, under --concurrency auto, how many workers it wants
// and why) is recorded on the migration for `status`. With --min-progress, a throttle that keeps the run
// below that floor for a window is reported, and with `--min-progress-action run` overridden by one
// batch of --min-batch-size at the floor's pace (src/throttle/progress-floor.ts).
import { sleep } from '../../src/db/backoff.js';
import { errorMessage } from '../../src/db/connect.js';
import { readHealth, readThrottleQuery } from '../../src/throttle/health-probes.js';
import { StoppedError, stopIfInterrupted } from '../../src/errors/index.js';
import type { ActivityState, BelowMinProgress, WorkerActivity, WorkersRecord } from '../../src/state/worker-activity.js';
import { HealthGate } from '../../src/throttle/health-gate.js';
import { ProgressFloor, type Starving } from '../../src/throttle/progress-floor.js';
import { parseWindow, windowState, type DailyWindow } from '../../src/throttle/schedule-window.js';
import { TokenBucket } from '../../src/throttle/token-bucket.js';
import type { RunContext } from '../run-context.js';
import type { HealthSnapshot, WorkerChange } from './auto-concurrency.js';

const pausePollMs = 1_000;

/** The below-floor record as the event and the event log carry it (they have their own time). */
const withoutSince = ({ since: _, ...rest }: BelowMinProgress): Omit<BelowMinProgress, 'since'> => rest;
/** The longest a waiting worker sleeps before it looks again (a window may be edited by a resume). */
const longestIdleMs = 30_000;

export class BackfillGovernor {
  readonly #ctx: RunContext;
  readonly #bucket: TokenBucket | null;
  readonly #gate: HealthGate;
  readonly #windows: readonly DailyWindow[];
  readonly #deadline: number | null;
  readonly #pids = new Set<number>();
  readonly #stopMonitor = new AbortController();
  #monitor: Promise<void> = Promise.resolve();
  #paused = false;
  #throttle: string | null = null;
  #contention = 0;
  #activity: WorkerActivity | null = null;
  #workers: WorkersRecord | undefined;
  /** Activity records are written one after another, each with the latest state and workers. */
  #recording: Promise<void> = Promise.resolve();
  /** The last health probe's reading, numbered by probe (built once a probe, read at every batch boundary). */
  #health: HealthSnapshot | null = null;
  readonly #openedAt = performance.now();
  #heldSince: number | null = null;
  #heldMs = 0;
  #stretch = 0;
  readonly #floor: ProgressFloor | null;
  /** Recorded for `status` while the run is below --min-progress; cleared once a batch runs unthrottled. */
  #belowFloor: BelowMinProgress | null = null;
  /** When the last below-floor warning was given (one per window while it lasts). */
  #warnedAt: number | null = null;

  private constructor(ctx: RunContext) {
    const o = ctx.options;
    this.#ctx = ctx;
    this.#bucket = o.maxRowsPerSecond === null ? null : new TokenBucket(o.maxRowsPerSecond);
    this.#gate = new HealthGate({
      maxReplicationLagMs: o.maxReplicationLagMs,
      maxRetainedWalBytes: o.maxRetainedWalBytes,
      maxActiveSessions: o.maxActiveSessions,
    });
    this.#windows = o.windows.map(parseWindow);
    this.#deadline = o.maxDurationMs === null ? null : performance.now() + o.maxDurationMs;
    this.#floor =
      o.minProgress === null
        ? null
        : new ProgressFloor(
            { rowsPerHour: o.minProgress, windowMs: o.minProgressWindowMs, minBatchSize: o.minBatchSize },
            performance.now(),
          );
  }

  /** Opens the governor and reads the pause flag and health once, so the first batch already obeys them. */
  static async open(ctx: RunContext): Promise<BackfillGovernor> {
    const governor = new BackfillGovernor(ctx);
    await governor.#readPause();
    await governor.#probe();
    governor.#monitor = governor.#watch();
    return governor;
  }

  /** The backend pids of the range workers: excluded from "active sessions", and whose lock waiters shrink batches. */
  addWorker(pid: number): void {
    this.#pids.add(pid);
  }

  removeWorker(pid: number): void {
    this.#pids.delete(pid);
  }

  /** Grows each time a probe sees sessions waiting on our locks; workers shrink their batch when it moves. */
  get contention(): number {
    return this.#contention;
  }

  /** The last health probe's reading, numbered by probe; null until one succeeded. */
  health(): HealthSnapshot | null {
    return this.#health;
  }

  /** Records a change of the workers wanted (--concurrency auto) for `status`, then emits it as a `workers` event. */
  recordWorkers(change: WorkerChange): void {
    const { migration } = this.#ctx;
    this.#workers = { workers: change.workers, max: change.max, reason: change.reason, since: new Date().toISOString() };
    this.#record().then(
      () => this.#ctx.emit({ type: 'workers', migration, ...change }),
      (error: unknown) => this.#ctx.emit({ type: 'warning', message: `could not record the workers wanted: ${errorMessage(error)}` }),
    );
  }

  /** Milliseconds of running time since the governor opened, holds excluded; `stretch` counts the holds it came out of. */
  runningClock(): { readonly ms: number; readonly stretch: number } {
    const now = performance.now();
    const holding = this.#heldSince === null ? 0 : now - this.#heldSince;
    return { ms: now - this.#openedAt - this.#heldMs - holding, stretch: this.#stretch };
  }

  /**
   * Waits until a batch of `rows` may run; throws StoppedError when the run must end (exit 3). `signal`:
   * the worker's own, which also fires when a sibling range failed, so no wait outlives the run. Returns
   * the most rows the batch may take: `rows`, or --min-batch-size for a batch run anyway below --min-progress.
   */
  async admit(rows: number, signal: AbortSignal | undefined): Promise<number> {
    const { migration, options } = this.#ctx;
    for (;;) {
      stopIfInterrupted(signal, migration);
      if (this.#deadline !== null && performance.now() >= this.#deadline) {
        throw new StoppedError(migration, `--max-duration ${Math.round((options.maxDurationMs ?? 0) / 1000)}s reached`);
      }
      if (this.#paused) {
        if (options.exitOnPause) throw new StoppedError(migration, 'paused; `online unpause` lets it run again');
        this.#suspendFloor();
        await this.#idle('paused', 'paused by `online pause`', null, pausePollMs, signal);
        continue;
      }
      const window = windowState(this.#windows, options.timezone, new Date());
      if (!window.open) {
        const opens = window.until?.toISOString() ?? null;
        const reason = `outside the backfill windows (${options.windows.join(', ')} ${options.timezone})`;
        if (options.windowExit) throw new StoppedError(migration, `${reason}; the next window opens at ${opens ?? 'an unknown time'}`);
        const untilMs = window.until === null ? longestIdleMs : window.until.getTime() - Date.now();
        this.#suspendFloor();
        await this.#idle('waiting-window', reason, opens, Math.min(longestIdleMs, Math.max(50, untilMs)), signal);
        continue;
      }
      if (this.#throttle !== null) {
        const forced = await this.#belowFloorTurn(this.#throttle);
        if (forced === 0) {
          await this.#setActivity('running', null, null);
          await this.#takeTokens(options.minBatchSize, signal);
          return options.minBatchSize;
        }
        await this.#idle('throttled', this.#throttle, null, Math.min(pausePollMs, options.probeIntervalMs, forced), signal);
        continue;
      }
      this.#floor?.admitted(performance.now());
      if (this.#belowFloor !== null) await this.#leaveFloor();
      await this.#setActivity('running', null, null);
      await this.#takeTokens(rows, signal);
      return rows;
    }
  }

  /**
   * Held by the user's choice (paused, outside its windows): that time does not count toward
   * --min-progress, and the run is no longer below it (the idle that follows records the activity).
   */
  #suspendFloor(): void {
    this.#floor?.suspend();
    this.#belowFloor = null;
  }

  /** A batch committed, covering `rows` keys or pages: counted toward --min-progress. */
  covered(rows: number): void {
    this.#floor?.covered(performance.now(), rows);
  }

  /**
   * The throttle holds the run: whether it is below --min-progress, reported once a window while it
   * lasts. Returns 0 when a batch runs anyway now (`--min-progress-action run`), else how long the
   * worker may idle before it asks again (Infinity: as long as it likes).
   */
  async #belowFloorTurn(throttle: string): Promise<number> {
    const floor = this.#floor;
    if (floor === null) return Infinity;
    const now = performance.now();
    floor.throttled(now);
    const starving = floor.starving(now);
    if (starving === null) return Infinity;
    await this.#noteBelowFloor(starving, throttle, now);
    if (this.#ctx.options.minProgressAction !== 'run') return Infinity;
    const dueInMs = floor.forcedBatchDueInMs(now);
    if (dueInMs === 0) floor.admitted(now);
    return dueInMs;
  }

  async #noteBelowFloor(starving: Starving, throttle: string, now: number): Promise<void> {
    const { migration, options } = this.#ctx;
    const action = options.minProgressAction;
    const rowsPerHour = options.minProgress ?? 0;
    const everyMs = this.#floor?.forcedBatchEveryMs() ?? 0;
    this.#belowFloor = {
      ...starving,
      rowsPerHour,
      throttle,
      action,
      forcedBatchEveryMs: action === 'run' ? Math.round(everyMs) : null,
      since: this.#belowFloor?.since ?? new Date().toISOString(),
    };
    if (this.#warnedAt !== null && now - this.#warnedAt < starving.windowMs) return;
    this.#warnedAt = now;
    await this.#record().catch(() => undefined);
    const detail = withoutSince(this.#belowFloor);
    await this.#ctx.ledger.logEvent(migration, 'below-min-progress', detail).catch(() => undefined);
    this.#ctx.emit({ type: 'min-progress', migration, ...detail });
  }

  /** A batch runs unthrottled: the run is no longer held below the floor (the next warning still waits out its window). */
  async #leaveFloor(): Promise<void> {
    this.#belowFloor = null;
    await this.#record().catch(() => undefined);
  }

  async #takeTokens(rows: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#bucket === null) return;
    try {
      await this.#bucket.take(rows, signal);
    } catch (error) {
      // The bucket rejects with the signal's reason when the wait is aborted.
      stopIfInterrupted(signal, this.#ctx.migration);
      throw error;
    }
  }

  /** Gives back rate tokens a batch took but did not use. */
  refund(rows: number): void {
    this.#bucket?.refund(rows);
  }

  /** Stops the monitor and clears the recorded activity. */
  async close(): Promise<void> {
    this.#stopMonitor.abort();
    await this.#monitor;
    await this.#recording;
    await this.#ctx.ledger.recordActivity(this.#ctx.migration, null).catch(() => undefined);
  }

  async #idle(state: ActivityState, reason: string, until: string | null, ms: number, signal: AbortSignal | undefined): Promise<void> {
    await this.#setActivity(state, reason, until);
    const deadlineLeft = this.#deadline === null ? ms : Math.max(0, this.#deadline - performance.now());
    await sleep(Math.min(ms, deadlineLeft), signal);
  }

  async #setActivity(state: ActivityState, reason: string | null, until: string | null): Promise<void> {
    const current = this.#activity;
    if (current !== null && current.state === state && current.reason === reason && current.until === until) return;
    this.#trackHold(state !== 'running');
    this.#activity = { state, reason, until, since: new Date().toISOString() };
    // Recorded first: whoever hears the event and reads `status` then sees the same activity.
    await this.#record();
    this.#ctx.emit({ type: 'activity', migration: this.#ctx.migration, state, reason, until });
  }

  /** Queues a write of the activity with the workers, as they are when the write runs (so the last write is the latest). */
  #record(): Promise<void> {
    const write = this.#recording.then(() => {
      const activity = this.#activity ?? { state: 'running', reason: null, until: null, since: new Date().toISOString() };
      const workers = this.#workers === undefined ? {} : { workers: this.#workers };
      const floor = this.#belowFloor === null ? {} : { belowMinProgress: this.#belowFloor };
      return this.#ctx.ledger.recordActivity(this.#ctx.migration, { ...activity, ...workers, ...floor });
    });
    this.#recording = write.catch(() => undefined);
    return write;
  }

  #trackHold(holding: boolean): void {
    if (holding && this.#heldSince === null) this.#heldSince = performance.now();
    if (!holding && this.#heldSince !== null) {
      this.#heldMs += performance.now() - this.#heldSince;
      this.#heldSince = null;
      this.#stretch++;
    }
  }

  async #watch(): Promise<void> {
    const stop = this.#stopMonitor.signal;
    const tick = Math.min(pausePollMs, this.#ctx.options.probeIntervalMs);
    let sinceProbe = 0;
    while (!stop.aborted) {
      await sleep(tick, stop);
      if (stop.aborted) return;
      await this.#readPause();
      sinceProbe += tick;
      if (sinceProbe >= this.#ctx.options.probeIntervalMs) {
        sinceProbe = 0;
        await this.#probe();
      }
    }
  }

  async #readPause(): Promise<void> {
    try {
      this.#paused = await this.#ctx.ledger.isPaused(this.#ctx.migration);
    } catch (error) {
      this.#ctx.emit({ type: 'warning', message: `could not read the pause flag: ${errorMessage(error)}` });
    }
  }

  async #probe(): Promise<void> {
    const { sql, options } = this.#ctx;
    let throttleQuery: boolean | null = null;
    let queryFailed: string | null = null;
    if (options.throttleQuery !== null) {
      try {
        throttleQuery = await readThrottleQuery(sql, options.throttleQuery, options.probeIntervalMs);
      } catch (error) {
        // Fail safe: a throttle query that cannot answer holds the backfill, with its error as the reason.
        queryFailed = `throttle query failed: ${errorMessage(error)}`;
      }
    }
    try {
      const health = await readHealth(sql, [...this.#pids]);
      this.#health = { ...health, probe: (this.#health?.probe ?? 0) + 1 };
      const reason = this.#gate.update({ ...health, throttleQuery });
      this.#throttle = queryFailed === null ? reason : [queryFailed, reason].filter((r) => r !== null).join('; ');
      if (health.waitingOnUs > 0) this.#contention++;
    } catch (error) {
      this.#ctx.emit({ type: 'warning', message: `health probe failed: ${errorMessage(error)}` });
    }
  }
}
