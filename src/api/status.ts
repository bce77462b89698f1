// `status`: typed reports of migrations: phase, running or interrupted, worker, and backfill progress.
import { listCursors, type BackfillCursor } from '../state/backfill-cursors.js';
import { isLeaseHeld, readLeaseHolder } from '../state/lease.js';
import { listMigrations, type MigrationPhase, type MigrationStatus, type RecordedError } from '../state/migration-records.js';
import { stateSchemaExists } from '../state/state-schema.js';
import { resolveMigration } from './resolve-migration.js';
import { withSession, type ConnectionInput, type Session } from './session.js';

/** `running` and `interrupted` are told apart by the worker's lease, not by the recorded status. */
export type LiveState = 'running' | 'interrupted' | 'stopped' | 'failed' | 'awaiting_contract' | 'completed' | 'rolled_back';

export interface BackfillProgress {
  readonly task: string;
  readonly range: number;
  readonly rowsDone: number;
  readonly rowsEstimated: number;
  /** 0–100, capped (the estimate may be low). */
  readonly percent: number;
  readonly rowsPerSecond: number;
  readonly etaSeconds: number | null;
  readonly batchSize: number;
  readonly batches: number;
  readonly done: boolean;
  readonly cursor: readonly string[] | null;
  readonly upperBound: readonly string[] | null;
}

export interface MigrationReport {
  readonly name: string;
  readonly state: LiveState;
  readonly status: MigrationStatus;
  readonly phase: MigrationPhase;
  readonly paused: boolean;
  readonly error: RecordedError | null;
  readonly worker: { readonly host: string; readonly pid: number; readonly heartbeatAt: string; readonly alive: boolean } | null;
  readonly backfill: readonly BackfillProgress[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface StatusInput extends ConnectionInput {
  readonly migration?: string;
  /** With no name: every migration, not only the active ones. */
  readonly all?: boolean;
}

export async function migrationStatus(input: StatusInput): Promise<MigrationReport[]> {
  return withSession(input, async (session) => {
    if (input.migration !== undefined) return [await report(session, await resolveMigration(session, input.migration))];
    if (!(await stateSchemaExists(session.sql, session.store))) return [];
    const all = await listMigrations(session.sql, session.store);
    const shown = input.all === true ? all : all.filter((m) => m.status !== 'completed' && m.status !== 'rolled_back');
    return Promise.all(shown.map((m) => report(session, m)));
  }, 2);
}

async function report(session: Session, m: Awaited<ReturnType<typeof resolveMigration>>): Promise<MigrationReport> {
  const { sql, store } = session;
  const held = await isLeaseHeld(sql, store, m.name);
  const holder = await readLeaseHolder(sql, store, m.name);
  const state: LiveState = m.status === 'running' ? (held ? 'running' : 'interrupted') : m.status;
  const cursors = await listCursors(sql, store, m.name);
  return {
    name: m.name,
    state,
    status: m.status,
    phase: m.phase,
    paused: m.paused,
    error: m.error,
    worker: holder === undefined ? null : { host: holder.host, pid: holder.pid, heartbeatAt: holder.heartbeatAt, alive: held },
    backfill: cursors.map(progressOf),
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}

function progressOf(c: BackfillCursor): BackfillProgress {
  const seconds = (c.updatedAt.getTime() - c.startedAt.getTime()) / 1000;
  const rowsPerSecond = seconds > 0 ? Math.round(c.rowsDone / seconds) : 0;
  const left = Math.max(0, c.rowsEstimated - c.rowsDone);
  const percent = c.done ? 100 : c.rowsEstimated > 0 ? Math.min(99.9, (100 * c.rowsDone) / c.rowsEstimated) : 0;
  return {
    task: c.task,
    range: c.rangeIndex,
    rowsDone: c.rowsDone,
    rowsEstimated: c.rowsEstimated,
    percent: Math.round(percent * 10) / 10,
    rowsPerSecond,
    etaSeconds: c.done ? 0 : rowsPerSecond > 0 ? Math.round(left / rowsPerSecond) : null,
    batchSize: c.batchSize,
    batches: c.batches,
    done: c.done,
    cursor: c.position,
    upperBound: c.upperBound,
  };
}
