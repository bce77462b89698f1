// What the worker is doing right now, recorded on the migration for `status` on any host: running,
// throttled (and why), paused, waiting for a window (and until when), or building an index (its phase
// and the sessions it waits for), and under --concurrency auto how many workers it wants and why.
// Cleared when the run ends.
import { jsonParam, stateTable, type Db, type StateStore } from './state-store.js';

export type ActivityState = 'running' | 'throttled' | 'paused' | 'waiting-window' | 'building-index';

/** Under `--concurrency auto`: the workers wanted now, the most allowed, and why the number last changed. */
export interface WorkersRecord {
  readonly workers: number;
  readonly max: number;
  /** e.g. `added a 3rd worker: +22% rows/s (14,000 → 17,100)`. */
  readonly reason: string;
  readonly since: string;
}

/** A run that throttles have held below --min-progress for a window (src/throttle/progress-floor.ts). */
export interface BelowMinProgress {
  readonly rowsInWindow: number;
  readonly floorRows: number;
  readonly windowMs: number;
  readonly rowsPerHour: number;
  /** Why the run was held, e.g. `replication lag 14s > 10s`. */
  readonly throttle: string;
  readonly action: 'warn' | 'run';
  /** With action `run`: how often a batch of --min-batch-size runs anyway; null with `warn`. */
  readonly forcedBatchEveryMs: number | null;
  readonly since: string;
}

export interface WorkerActivity {
  readonly state: ActivityState;
  /** e.g. `replication lag 14s > 10s`; null while running. */
  readonly reason: string | null;
  readonly since: string;
  /** When the awaited window opens; null otherwise. */
  readonly until: string | null;
  /** Absent without --concurrency auto (and in records written before it existed). */
  readonly workers?: WorkersRecord;
  /** Present while throttles hold the run below --min-progress. */
  readonly belowMinProgress?: BelowMinProgress;
}

export async function recordActivity(db: Db, store: StateStore, migration: string, activity: WorkerActivity | null): Promise<void> {
  await db`
    update ${stateTable(db, store, 'migrations')}
    set activity = ${activity === null ? null : jsonParam(db, activity)}::jsonb
    where name = ${migration}`;
}
