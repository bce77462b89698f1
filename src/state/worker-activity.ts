// What the worker is doing right now, recorded on the migration for `status` on any host: running,
// throttled (and why), paused, waiting for a window (and until when), or building an index (its phase
// and the sessions it waits for). Cleared when the run ends.
import { jsonParam, stateTable, type Db, type StateStore } from './state-store.js';

export type ActivityState = 'running' | 'throttled' | 'paused' | 'waiting-window' | 'building-index';

export interface WorkerActivity {
  readonly state: ActivityState;
  /** e.g. `replication lag 14s > 10s`; null while running. */
  readonly reason: string | null;
  readonly since: string;
  /** When the awaited window opens; null otherwise. */
  readonly until: string | null;
}

export async function recordActivity(db: Db, store: StateStore, migration: string, activity: WorkerActivity | null): Promise<void> {
  await db`
    update ${stateTable(db, store, 'migrations')}
    set activity = ${activity === null ? null : jsonParam(db, activity)}::jsonb
    where name = ${migration}`;
}
