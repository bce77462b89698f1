// `status`: typed reports of migrations: phase, running or interrupted, worker, and backfill progress.
import { listCursors, type BackfillCursor } from '../../phases/backfill-engine/backfill-cursors.js';
import { isFinished, liveStateOf, type LiveState } from '../lifecycle/migration-status.js';
import type { MigrationPhase, MigrationStatus, RecordedError } from '../state/migration-records.js';
import type { WorkerActivity } from '../state/worker-activity.js';
import { resolveMigration } from './resolve-migration.js';
import { withSession, type ConnectionInput, type Session } from './session.js';

export type { LiveState } from '../lifecycle/migration-status.js';

export interface BackfillProgress {
  readonly task: string;
  readonly range: number;
  /** `key`: keyset cursor; `ctid`: page cursor of a table without a key. */
  readonly mode: 'key' | 'ctid';
  readonly rowsDone: number;
  readonly rowsEstimated: number;
  /** 0–100, capped (the estimate may be low). */
  readonly percent: number;
  readonly rowsPerSecond: number;
  readonly etaSeconds: number | null;
  /** The size adaptive sizing last chose. */
  readonly batchSize: number;
  readonly batches: number;
  /** Server-side time of the batches: the last one, a moving average, and the longest. */
  readonly batchMs: { readonly last: number; readonly avg: number; readonly max: number };
  readonly done: boolean;
  readonly cursor: readonly string[] | null;
  readonly lowerBound: readonly string[] | null;
  readonly upperBound: readonly string[] | null;
}

/** One task (a table's backfill) summed over its ranges. */
export interface TaskSummary {
  readonly task: string;
  readonly ranges: number;
  readonly rowsDone: number;
  readonly rowsEstimated: number;
  readonly percent: number;
  readonly rowsPerSecond: number;
  readonly etaSeconds: number | null;
  readonly done: boolean;
}

export interface MigrationReport {
  readonly name: string;
  readonly state: LiveState;
  readonly status: MigrationStatus;
  readonly phase: MigrationPhase;
  readonly paused: boolean;
  /** What a live worker is doing: running, throttled (with the reason), paused, or waiting for a window (until when). */
  readonly activity: WorkerActivity | null;
  readonly error: RecordedError | null;
  readonly worker: { readonly host: string; readonly pid: number; readonly heartbeatAt: string; readonly alive: boolean } | null;
  readonly tasks: readonly TaskSummary[];
  readonly backfill: readonly BackfillProgress[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The completed migration this one undoes (`online revert`), if it is a revert. */
  readonly reverts: string | null;
}

export interface StatusInput extends ConnectionInput {
  readonly migration?: string;
  /** With no name: every migration, not only the active ones. */
  readonly all?: boolean;
}

export async function migrationStatus(input: StatusInput): Promise<MigrationReport[]> {
  return withSession(
    input,
    async (session) => {
      if (input.migration !== undefined) return [await report(session, await resolveMigration(session, input.migration))];
      const all = await session.ledger.migrationsIfAny();
      const shown = input.all === true ? all : all.filter((m) => !isFinished(m.status));
      return Promise.all(shown.map((m) => report(session, m)));
    },
    2,
  );
}

async function report(session: Session, m: Awaited<ReturnType<typeof resolveMigration>>): Promise<MigrationReport> {
  const { sql, store, ledger } = session;
  const held = await ledger.isLeaseHeld(m.name);
  const holder = await ledger.leaseHolder(m.name);
  const state = liveStateOf(m.status, held);
  const cursors = await listCursors(sql, store, m.name);
  const live = held && m.status === 'running';
  // A paused, throttled or waiting worker moves no rows: no rate, no ETA.
  const moving = live && (m.activity === null || m.activity.state === 'running');
  const backfill = cursors.map((c) => progressOf(c, moving));
  return {
    name: m.name,
    state,
    status: m.status,
    phase: m.phase,
    paused: m.paused,
    activity: live ? m.activity : null,
    error: m.error,
    worker: holder === undefined ? null : { host: holder.host, pid: holder.pid, heartbeatAt: holder.heartbeatAt, alive: held },
    tasks: summarize(backfill),
    backfill,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
    reverts: m.plan.reverts ?? null,
  };
}

function progressOf(c: BackfillCursor, moving: boolean): BackfillProgress {
  // The worker records each range's rate with every batch; it means nothing once the worker is gone or holds.
  const rowsPerSecond = moving && !c.done ? Math.round(c.rowsPerSecond) : 0;
  return {
    task: c.task,
    range: c.rangeIndex,
    mode: c.kind,
    rowsDone: c.rowsDone,
    rowsEstimated: c.rowsEstimated,
    percent: percentOf(c.rowsDone, c.rowsEstimated, c.done),
    rowsPerSecond,
    etaSeconds: etaOf(c.rowsDone, c.rowsEstimated, rowsPerSecond, c.done),
    batchSize: c.batchSize,
    batches: c.batches,
    batchMs: { last: round1(c.batchMsLast), avg: round1(c.batchMsAvg), max: round1(c.batchMsMax) },
    done: c.done,
    cursor: c.position,
    lowerBound: c.lowerBound,
    upperBound: c.upperBound,
  };
}

function summarize(ranges: readonly BackfillProgress[]): TaskSummary[] {
  const tasks = [...new Set(ranges.map((r) => r.task))];
  return tasks.map((task) => {
    const mine = ranges.filter((r) => r.task === task);
    const rowsDone = mine.reduce((n, r) => n + r.rowsDone, 0);
    const rowsEstimated = mine.reduce((n, r) => n + r.rowsEstimated, 0);
    const rowsPerSecond = mine.reduce((n, r) => n + r.rowsPerSecond, 0);
    const done = mine.every((r) => r.done);
    return {
      task,
      ranges: mine.length,
      rowsDone,
      rowsEstimated,
      percent: percentOf(rowsDone, rowsEstimated, done),
      rowsPerSecond,
      etaSeconds: etaOf(rowsDone, rowsEstimated, rowsPerSecond, done),
      done,
    };
  });
}

/** 0–100; capped below 100 until done, because the estimate may be low. */
function percentOf(done: number, estimated: number, finished: boolean): number {
  if (finished) return 100;
  return estimated > 0 ? Math.round(Math.min(99.9, (100 * done) / estimated) * 10) / 10 : 0;
}

function etaOf(done: number, estimated: number, rowsPerSecond: number, finished: boolean): number | null {
  if (finished) return 0;
  return rowsPerSecond > 0 ? Math.round(Math.max(0, estimated - done) / rowsPerSecond) : null;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
