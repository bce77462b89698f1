// How many range workers a task's backfill runs at once. The pool reads `wanted()` at every batch
// boundary: it starts workers up to it (splitting a running range when none is free) and lets a worker
// above it stop after its batch, leaving its range, cursor committed, to the others. `observe()` hears
// every committed batch, so a target that adapts (`--concurrency auto`) can follow the throughput.
import type { RunOptions } from '../../src/settings/run-options.js';
import { maxWorkers } from '../../src/settings/worker-count.js';
import { AutoConcurrency, type WorkerChange } from './auto-concurrency.js';
import type { BackfillGovernor } from './governor.js';

export interface WorkerSample {
  /**
   * Rows the task's batches have covered in this run so far (all its ranges): keys or pages passed,
   * whether or not a row needed work, so a pass that finds little to change (a verify pass, a table the
   * triggers mostly filled) is measured by its real pace.
   */
  readonly rowsCovered: number;
  /** The governor's running clock: milliseconds since it opened, holds (pause, throttle, window) excluded. */
  readonly runningMs: number;
  /** Workers running when the batch committed. */
  readonly workers: number;
}

export interface WorkerTarget {
  /** Workers wanted now, at least 1. */
  wanted(): number;
  /** Called after every committed batch of the task. */
  observe(sample: WorkerSample): void;
  /** The pool can run no more than `workers`: the server refused a connection for another (`why`). */
  capped(workers: number, why: string): void;
}

/** `--concurrency N`: always N. */
export function fixedWorkers(n: number): WorkerTarget {
  return { wanted: () => n, observe: () => undefined, capped: () => undefined };
}

/** The worker target of a run's options: the controller under `--concurrency auto`, else fixed. */
export function workerTargetFor(options: RunOptions, governor: BackfillGovernor): WorkerTarget {
  return options.concurrency === 'auto' ? autoWorkers(options, governor) : fixedWorkers(options.concurrency);
}

/**
 * `--concurrency auto`: the controller (auto-concurrency.ts) hears every batch and every new health
 * probe; each change it makes is recorded on the migration and emitted as a `workers` event.
 */
function autoWorkers(options: RunOptions, governor: BackfillGovernor): WorkerTarget {
  const controller = new AutoConcurrency({
    maxWorkers: maxWorkers(options),
    maxActiveSessions: options.maxActiveSessions,
    maxReplicationLagMs: options.maxReplicationLagMs,
    maxRetainedWalBytes: options.maxRetainedWalBytes,
  });
  const apply = (change: WorkerChange | null): void => {
    if (change !== null) governor.recordWorkers(change);
  };
  const hearHealth = (): void => {
    const health = governor.health();
    if (health !== null) apply(controller.health(health));
  };
  apply(controller.start());
  return {
    wanted: () => {
      hearHealth();
      return controller.workers;
    },
    observe: (sample) => {
      hearHealth();
      apply(controller.observe(sample));
    },
    capped: (workers, why) => apply(controller.capped(workers, why)),
  };
}
