// Opens what every library call needs: a connection pool and the state store, closed together.
import { connect, type Sql } from '../db/connect.js';
import { driverIsPatched, unpatchedDriverWarning } from '../db/driver-patch.js';
import type { EventListener } from '../events.js';
import { InvalidOptionError } from '../errors/index.js';
import { stateSchemaName } from '../sql-text/identifier.js';
import { Ledger } from '../state/ledger.js';
import { defaultStateSchema, type StateStore } from '../state/state-store.js';

export interface ConnectionInput {
  /** postgres:// URL. Its password never appears in messages. */
  readonly databaseUrl: string;
  /** Schema of the ledger; default `online_migrate`. */
  readonly stateSchema?: string;
  readonly onEvent?: EventListener;
}

/** The input of calls that act on one recorded migration (resume, complete, rollback). */
export interface MigrationCallInput extends ConnectionInput {
  /** Default: the only active migration. */
  readonly migration?: string;
  /** Aborted on SIGINT/SIGTERM: the current batch or step finishes, then the run stops (exit 3). */
  readonly signal?: AbortSignal;
}

export interface Session {
  readonly sql: Sql;
  readonly store: StateStore;
  /** The state tables, on this session's pool. */
  readonly ledger: Ledger;
  readonly emit: EventListener;
  /** A new session with the same connection settings and a fresh pool (after a lost connection). */
  reopen(): Promise<Session>;
  close(): Promise<void>;
  /** Closes at once, destroying connections that may be dead instead of waiting for them. */
  abandon(): Promise<void>;
}

/** The unpatched-driver warning is said once per process, not once per session. */
let warnedUnpatched = false;

export async function openSession(input: ConnectionInput, poolSize = 4): Promise<Session> {
  const schema = stateSchemaName.safeParse(input.stateSchema ?? defaultStateSchema);
  if (!schema.success) throw new InvalidOptionError(`--state-schema ${schema.error.issues[0]?.message ?? 'is invalid'}`);
  const emit: EventListener = input.onEvent ?? (() => undefined);
  const sql = await connect(input.databaseUrl, {
    max: poolSize,
    onWarning: (message) => emit({ type: 'warning', message: `PostgreSQL warning: ${message}` }),
  });
  if (!driverIsPatched() && !warnedUnpatched) {
    warnedUnpatched = true;
    emit({ type: 'warning', message: unpatchedDriverWarning });
  }
  const store: StateStore = { sql, schema: schema.data };
  return {
    sql,
    store,
    ledger: new Ledger(store),
    emit,
    reopen: () => openSession(input, poolSize),
    close: () => sql.end({ timeout: 5 }),
    abandon: () => sql.end({ timeout: 0 }),
  };
}

/** Runs `use` with a session and always closes it. */
export async function withSession<T>(input: ConnectionInput, use: (session: Session) => Promise<T>, poolSize?: number): Promise<T> {
  const session = await openSession(input, poolSize);
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}
