// `--concurrency auto`: how many range workers a backfill wants, decided from what the workers achieve.
// It starts with one and measures the task's rows per second of running time over a settling period
// (running time and batches, never wall time, so holds and pauses do not count). It adds a worker while
// the last one added raised throughput by a useful margin and the health probes are comfortably within
// their limits, up to the maximum. An added worker that gained too little is taken back, and the next try
// waits a while (longer after each miss). A probe outside its limits takes a worker away at once.
// Pure logic: the worker target (worker-target.ts) feeds it samples and probe readings.
import type { OnlineEvent } from '../../src/events.js';
import { overLimit } from '../../src/throttle/health-gate.js';
import type { WorkerSample } from './worker-target.js';

/** A health probe's reading (the governor's last one); `probe` counts probes, so each is acted on once. */
export interface HealthSnapshot {
  readonly probe: number;
  readonly waitingOnUs: number;
  readonly activeSessions: number;
  readonly replicationLagMs: number | null;
  readonly retainedWalBytes: number | null;
}

export interface AutoLimits {
  readonly maxWorkers: number;
  readonly maxActiveSessions: number | null;
  readonly maxReplicationLagMs: number | null;
  readonly maxRetainedWalBytes: number | null;
}

export interface AutoTuning {
  /** Running time after a change before measuring: the new worker's first batches find their size. */
  readonly warmupMs: number;
  readonly warmupBatchesPerWorker: number;
  /** Running time, and batches per worker, one measurement spans. */
  readonly measureMs: number;
  readonly measureBatchesPerWorker: number;
  /** The gain in rows/s an added worker must bring to stay: 0.1 is 10 %. */
  readonly minGain: number;
  /** Running time before probing again after a worker was taken back; doubled after each miss in a row, up to 4×. */
  readonly holdOffMs: number;
  /** Sessions waiting on our locks at one probe that take a worker away; any waiter stops adding one. */
  readonly waitingLimit: number;
  /** Above this fraction of a limit no worker is added (the limit itself takes one away). */
  readonly comfortFraction: number;
}

export const defaultTuning: AutoTuning = {
  warmupMs: 1_000,
  warmupBatchesPerWorker: 2,
  measureMs: 3_000,
  measureBatchesPerWorker: 5,
  minGain: 0.1,
  holdOffMs: 30_000,
  waitingLimit: 2,
  comfortFraction: 0.8,
};

export type WorkerChangeKind = Extract<OnlineEvent, { type: 'workers' }>['change'];

export interface WorkerChange {
  readonly workers: number;
  readonly max: number;
  readonly change: WorkerChangeKind;
  readonly reason: string;
}

type Phase = 'warmup' | 'measure' | 'hold-off' | 'steady';

interface Mark {
  readonly rowsCovered: number;
  readonly runningMs: number;
  readonly batches: number;
}

export class AutoConcurrency {
  #limits: AutoLimits;
  readonly #tuning: AutoTuning;
  #workers = 1;
  #phase: Phase = 'warmup';
  #mark: Mark = { rowsCovered: 0, runningMs: 0, batches: 0 };
  #batches = 0;
  #lastMs = 0;
  #holdUntilMs = 0;
  /** The rate of the level below, measured just before the last worker was added. */
  #before: number | null = null;
  #misses = 0;
  #lastProbe = -1;
  #comfortable = true;

  constructor(limits: AutoLimits, tuning: AutoTuning = defaultTuning) {
    this.#limits = limits;
    this.#tuning = tuning;
  }

  get workers(): number {
    return this.#workers;
  }

  /** The first target, as a change, so it can be shown and recorded like the others. */
  start(): WorkerChange {
    const { maxWorkers } = this.#limits;
    const gain = Math.round(this.#tuning.minGain * 100);
    return this.#change(
      'start',
      `starting with 1 worker; adds one while rows/s rises ${gain}% or more and health allows, up to ${maxWorkers}`,
    );
  }

  /**
   * The pool can run no more than `workers` (the server refused a connection for another): that is the
   * most from now on, and the controller stops probing for more.
   */
  capped(workers: number, why: string): WorkerChange | null {
    const most = Math.max(1, Math.min(workers, this.#limits.maxWorkers));
    this.#limits = { ...this.#limits, maxWorkers: most };
    this.#before = null;
    this.#phase = 'steady';
    if (this.#workers <= most) return null;
    this.#workers = most;
    return this.#change('down', `down to ${most}: ${why}`);
  }

  /** A committed batch: returns the change it leads to, if any. */
  observe(sample: WorkerSample): WorkerChange | null {
    this.#batches++;
    this.#lastMs = sample.runningMs;
    const mark = { rowsCovered: sample.rowsCovered, runningMs: sample.runningMs, batches: this.#batches };
    if (this.#phase === 'hold-off') {
      if (sample.runningMs >= this.#holdUntilMs) this.#begin('warmup', mark);
      return null;
    }
    if (this.#phase === 'steady') return null;
    // A mix of levels measures neither: wait until the pool runs the workers wanted.
    if (sample.workers !== this.#workers) {
      this.#mark = mark;
      return null;
    }
    const ranMs = sample.runningMs - this.#mark.runningMs;
    const batches = this.#batches - this.#mark.batches;
    const perWorker = this.#phase === 'warmup' ? this.#tuning.warmupBatchesPerWorker : this.#tuning.measureBatchesPerWorker;
    const spanMs = this.#phase === 'warmup' ? this.#tuning.warmupMs : this.#tuning.measureMs;
    if (ranMs < spanMs || batches < perWorker * this.#workers) return null;
    if (this.#phase === 'warmup') {
      this.#begin('measure', mark);
      return null;
    }
    const rate = ((sample.rowsCovered - this.#mark.rowsCovered) / ranMs) * 1000;
    return this.#judge(rate, mark);
  }

  /** A probe's reading (the same one may come again: it is acted on once). */
  health(snapshot: HealthSnapshot): WorkerChange | null {
    if (snapshot.probe === this.#lastProbe) return null;
    this.#lastProbe = snapshot.probe;
    const problem = this.#problem(snapshot);
    this.#comfortable = problem === null && this.#comfortableWith(snapshot);
    if (problem === null) return null;
    this.#before = null;
    this.#holdOff();
    if (this.#workers === 1) return null;
    this.#workers--;
    return this.#change('down', `down to ${this.#workers}: ${problem}`);
  }

  #judge(rate: number, mark: Mark): WorkerChange | null {
    const before = this.#before;
    this.#before = null;
    if (before !== null) {
      const gain = before > 0 ? rate / before - 1 : rate > 0 ? 1 : 0;
      if (gain < this.#tuning.minGain) {
        this.#misses++;
        const added = this.#workers;
        this.#workers--;
        const waitMs = this.#holdOff();
        return this.#change(
          'back',
          `back to ${this.#workers}: a ${ordinal(added)} gained ${percent(gain)} (${rateText(before)} → ${rateText(rate)} rows/s); tries again after ${Math.round(waitMs / 1000)}s of running`,
        );
      }
      this.#misses = 0;
    }
    if (this.#workers >= this.#limits.maxWorkers) {
      this.#phase = 'steady';
      return null;
    }
    if (!this.#comfortable) {
      // Health is near a limit: keep the level, measure again.
      this.#begin('measure', mark);
      return null;
    }
    this.#before = rate;
    this.#workers++;
    this.#begin('warmup', mark);
    const why =
      before === null || before <= 0
        ? `${this.#workers - 1} made ${rateText(rate)} rows/s`
        : `+${percent(rate / before - 1)} rows/s (${rateText(before)} → ${rateText(rate)})`;
    return this.#change('add', `added a ${ordinal(this.#workers)} worker: ${why}`);
  }

  #begin(phase: Phase, mark: Mark): void {
    this.#phase = phase;
    this.#mark = mark;
  }

  /** Holds off adding for a while of running time (longer after misses in a row); returns how long. */
  #holdOff(): number {
    const waitMs = this.#tuning.holdOffMs * Math.min(4, 2 ** Math.max(0, this.#misses - 1));
    this.#phase = 'hold-off';
    this.#holdUntilMs = this.#lastMs + waitMs;
    return waitMs;
  }

  #problem(h: HealthSnapshot): string | null {
    const l = this.#limits;
    if (h.waitingOnUs >= this.#tuning.waitingLimit) return `${h.waitingOnUs} sessions waiting on our locks`;
    if (l.maxActiveSessions !== null && h.activeSessions > l.maxActiveSessions) {
      return `${h.activeSessions} other active sessions > ${l.maxActiveSessions}`;
    }
    if (l.maxReplicationLagMs !== null && h.replicationLagMs !== null && h.replicationLagMs > l.maxReplicationLagMs) {
      return overLimit('maxReplicationLagMs', h.replicationLagMs, l.maxReplicationLagMs);
    }
    if (l.maxRetainedWalBytes !== null && h.retainedWalBytes !== null && h.retainedWalBytes > l.maxRetainedWalBytes) {
      return overLimit('maxRetainedWalBytes', h.retainedWalBytes, l.maxRetainedWalBytes);
    }
    return null;
  }

  #comfortableWith(h: HealthSnapshot): boolean {
    const l = this.#limits;
    const near = (value: number | null, limit: number | null): boolean =>
      value !== null && limit !== null && value > limit * this.#tuning.comfortFraction;
    return (
      h.waitingOnUs === 0 &&
      !near(h.activeSessions, l.maxActiveSessions) &&
      !near(h.replicationLagMs, l.maxReplicationLagMs) &&
      !near(h.retainedWalBytes, l.maxRetainedWalBytes)
    );
  }

  #change(change: WorkerChangeKind, reason: string): WorkerChange {
    return { workers: this.#workers, max: this.#limits.maxWorkers, change, reason };
  }
}

/** 2 → `2nd`, 3 → `3rd`, 11 → `11th`, 21 → `21st`. */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffixes: Readonly<Record<number, string>> = { 1: 'st', 2: 'nd', 3: 'rd' };
  const suffix = teen ? 'th' : (suffixes[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

function rateText(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
