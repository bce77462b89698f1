// What every phase runner needs: the connection, the ledger, the migration, its options and a way to report.
import type { Sql } from '../src/db/connect.js';
import type { EventListener } from '../src/events.js';
import type { RunOptions } from '../src/settings/run-options.js';
import type { Ledger } from '../src/state/ledger.js';
import type { StateStore } from '../src/state/state-store.js';

export interface RunContext {
  readonly sql: Sql;
  readonly store: StateStore;
  /** The state tables, on `sql`: steps, events, the pause flag, worker activity. */
  readonly ledger: Ledger;
  readonly migration: string;
  readonly options: RunOptions;
  readonly emit: EventListener;
  /** Aborted on SIGINT/SIGTERM: the current batch or step finishes, then the run stops. */
  readonly signal: AbortSignal | undefined;
}
