// Typed progress events the library emits; the CLI draws them (bars, plain lines or NDJSON).
import type { IndexBuildProgress } from './catalog/index-build-progress.js';
import type { BlockerAction } from './db/blocker-cancel.js';
import type { LockRetryCause } from './db/locked-ddl.js';
import type { Blocker } from './errors/index.js';
import type { Hazard } from './hazards/hazard.js';
import type { BackfillPass } from './plan/plan.js';
import type { MigrationPhase, MigrationStatus } from './state/migration-records.js';
import type { ActivityState, BelowMinProgress } from './state/worker-activity.js';

export type OnlineEvent =
  | { readonly type: 'phase'; readonly migration: string; readonly phase: MigrationPhase }
  | {
      readonly type: 'step';
      readonly migration: string;
      readonly phase: MigrationPhase;
      readonly index: number;
      readonly description: string;
      /** Already recorded by an earlier run, so not executed again. */
      readonly skipped: boolean;
      readonly durationMs: number;
    }
  | {
      readonly type: 'lock-retry';
      readonly migration: string;
      readonly attempt: number;
      readonly attempts: number;
      /** The backoff before the next attempt. */
      readonly waitMs: number;
      /** The statement that could not get its lock. */
      readonly statement: string;
      /** `lock-timeout`: a lock wait ran out; `deadlock`: PostgreSQL chose our statement as a deadlock victim. */
      readonly cause: LockRetryCause;
      /** The sessions that held the lock, when they could be seen. */
      readonly blockers: readonly Blocker[];
    }
  /**
   * --cancel-blockers-after acted on a session blocking a DDL step (`cancelled`, `terminated`), or a
   * safety limit kept it (`left-alone`, said once per session and reason): the victim's pid,
   * application, user, state, transaction age and query, and why.
   */
  | ({ readonly type: 'blocker-cancel'; readonly migration: string } & BlockerAction)
  | {
      readonly type: 'backfill-start';
      readonly migration: string;
      readonly task: string;
      /** The table's rows, from fresh statistics (or counted), when the task's ranges were split. */
      readonly rowsEstimated: number;
      readonly rowsDone: number;
      /** Where a resumed task stands, 0–100 by its cursors' positions. */
      readonly percent: number;
      readonly resumed: boolean;
      /** Key ranges (or page ranges) the task is split into, each with its own cursor. */
      readonly ranges: number;
      /** `key`: keyset over the table's key; `ctid`: page ranges of a table without one. */
      readonly mode: 'key' | 'ctid';
    }
  | {
      readonly type: 'batch';
      readonly migration: string;
      readonly task: string;
      readonly range: number;
      /** The task's rows updated so far, over all ranges. */
      readonly rowsDone: number;
      /** The estimate the ranges were split with. */
      readonly rowsEstimated: number;
      /** The rows the task is expected to update in all: projected from rows done and the fraction done once that is 5% or more. */
      readonly rowsExpected: number;
      /** 0–1 by the cursors' positions in their ranges (pages for ctid); 1 only when done. */
      readonly fraction: number;
      /** 0–100 with one decimal; 100 only when done. */
      readonly percent: number;
      readonly batchRows: number;
      /** The size this batch ran with (adaptive sizing moves it). */
      readonly batchSize: number;
      /** The UPDATE's execution time measured on the server (what adaptive sizing steers). */
      readonly serverMs: number;
      /** Wall time of the batch's round trips, without throttle sleeps. */
      readonly batchMs: number;
      /** Rows updated per second over the last seconds of running time (holds excluded); null until known. */
      readonly rowsPerSecond: number | null;
      /** At the recent pace; null when unknown. */
      readonly etaSeconds: number | null;
    }
  | {
      /** An idle worker took over part of a running range: the range now ends at `at`, the new one runs from there to its old end. */
      readonly type: 'range-split';
      readonly migration: string;
      readonly task: string;
      /** The range that was split. */
      readonly range: number;
      /** The range that took its upper part (the task's largest index plus one), with its own cursor. */
      readonly newRange: number;
      /** The split key (a heap page for ctid ranges): the split range's new inclusive upper bound, the new range's exclusive lower one. */
      readonly at: readonly string[];
      /** The rows of the split range's estimate that moved to the new one. */
      readonly rowsMoved: number;
    }
  | {
      readonly type: 'activity';
      readonly migration: string;
      readonly state: ActivityState;
      readonly reason: string | null;
      /** When the awaited window opens. */
      readonly until: string | null;
    }
  /** `--concurrency auto` changed how many range workers it wants (recorded for `status` first). */
  | {
      readonly type: 'workers';
      readonly migration: string;
      readonly workers: number;
      readonly max: number;
      /** `start`: the first target; `add`: one more; `back`: the last one added gained too little; `down`: a health probe left its limits. */
      readonly change: 'start' | 'add' | 'back' | 'down';
      /** e.g. `added a 3rd worker: +22% rows/s (14,000 → 17,100)`, `down to 1: 4 sessions waiting on our locks`. */
      readonly reason: string;
    }
  | {
      readonly type: 'backfill-done';
      readonly migration: string;
      readonly task: string;
      /** Rows updated in all, earlier runs of a resumed backfill included. */
      readonly rowsDone: number;
      /** Rows updated by this run. */
      readonly rowsThisRun: number;
      /** This run's time. */
      readonly seconds: number;
      /** `verify`: the second pass of a rebuild, which re-checks every row and updates those changed since. */
      readonly pass: BackfillPass;
    }
  | ({ readonly type: 'index-progress'; readonly migration: string; readonly index: string } & IndexBuildProgress)
  /** The server went away mid-run: the worker waits for it (up to reconnectTimeoutMs), then resumes. */
  | { readonly type: 'connection-lost'; readonly migration: string; readonly reason: string; readonly reconnectTimeoutMs: number }
  /** The server answers again and the lease is retaken: the run goes on from the last committed batch or step. */
  | { readonly type: 'reconnected'; readonly migration: string; readonly downMs: number }
  /**
   * Throttles held the backfill below --min-progress for a window (once a window while it lasts): the
   * rows it covered there against the floor's, why it was held, and what happens now.
   */
  | ({ readonly type: 'min-progress'; readonly migration: string } & Omit<BelowMinProgress, 'since'>)
  /** A live hazard seen just before a lock step or a concurrent index build (src/hazards): it warns, the run goes on. */
  | { readonly type: 'hazard'; readonly migration: string; readonly step: string; readonly hazard: Hazard }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'finished'; readonly migration: string; readonly status: MigrationStatus };

export type EventListener = (event: OnlineEvent) => void;
