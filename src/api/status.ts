// `status`: typed reports of migrations: phase, running or interrupted, worker, and backfill progress.
import { listCursors, type BackfillCursor } from '../../phases/backfill-engine/backfill-cursors.js';
import { keyMeasure, type KeyMeasure } from '../../phases/backfill-engine/key-measure.js';
import { expectedRows, percentOf, rangeFraction, rangeShare, taskFraction } from '../../phases/backfill-engine/range-fraction.js';
import type { BackfillTask } from '../plan/plan.js';
import { isFinished, liveStateOf, type LiveState } from '../lifecycle/migration-status.js';
import type { MigrationPhase, MigrationStatus, RecordedError } from '../state/migration-records.js';
import type { WorkerActivity, WorkersRecord } from '../state/worker-activity.js';
import { resolveMigration } from './resolve-migration.js';
import { leafTasksByPlannedTask, summarizePartitions, type PartitionedTaskSummary } from './partition-progress.js';
import { withSession, type ConnectionInput, type Session } from './session.js';

export type { LiveState } from '../lifecycle/migration-status.js';

export interface BackfillProgress {
  readonly task: string;
  readonly range: number;
  /** `key`: keyset cursor; `ctid`: page cursor of a table without a key. */
  readonly mode: 'key' | 'ctid';
  /** Rows updated so far. */
  readonly rowsDone: number;
  /** The range's share of the estimate taken when the ranges were split. */
  readonly rowsEstimated: number;
  /** The rows the range is expected to update in all (see expectedRows in range-fraction.ts). */
  readonly rowsExpected: number;
  /**
   * 0–1 by the cursor's position in the range (pages for ctid; for integer and uuid keys the share of the
   * rows by the key column's statistics when it has some); 1 only when done.
   */
  readonly fraction: number;
  /** The range's share of its task's rows by the key column's statistics, when known: what the task's fraction weighs it by. */
  readonly share: number | null;
  /** 0–100 with one decimal, by the cursor's position; 100 only when done. */
  readonly percent: number;
  /** Over the worker's recent running time; 0 when it holds, is gone, or has no rate yet. */
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
  readonly rowsExpected: number;
  readonly fraction: number;
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
  /** Under `--concurrency auto`, while a worker runs: the workers it wants, the most allowed, and why it last changed. */
  readonly workers: WorkersRecord | null;
  readonly error: RecordedError | null;
  readonly worker: { readonly host: string; readonly pid: number; readonly heartbeatAt: string; readonly alive: boolean } | null;
  /** One per task being backfilled; a partitioned table's backfill has one per leaf partition started. */
  readonly tasks: readonly TaskSummary[];
  /** A partitioned table's backfill summed over its leaf partitions (see partition-progress.ts). */
  readonly partitioned: readonly PartitionedTaskSummary[];
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
  const leaves = isFinished(m.status) ? new Map<string, BackfillTask[]>() : await leafTasksByPlannedTask(sql, m.name, m.plan.backfill);
  const measures = await keyMeasures(session, [...m.plan.backfill, ...[...leaves.values()].flat()], cursors);
  const noMeasure: KeyMeasure = { leadingKeyType: undefined, floor: null, scale: null };
  const backfill = cursors.map((c) => progressOf(c, moving, measures.get(c.task) ?? noMeasure));
  const tasks = summarize(backfill);
  return {
    name: m.name,
    state,
    status: m.status,
    phase: m.phase,
    paused: m.paused,
    activity: live ? m.activity : null,
    workers: live ? (m.activity?.workers ?? null) : null,
    error: m.error,
    worker: holder === undefined ? null : { host: holder.host, pid: holder.pid, heartbeatAt: holder.heartbeatAt, alive: held },
    tasks,
    partitioned: await summarizePartitions(sql, leaves, tasks),
    backfill,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
    reverts: m.plan.reverts ?? null,
  };
}

/** What each unfinished task's progress is measured along: read as the backfill reads it (key-measure.ts). */
async function keyMeasures(
  session: Session,
  tasks: readonly BackfillTask[],
  cursors: readonly BackfillCursor[],
): Promise<Map<string, KeyMeasure>> {
  const measures = new Map<string, KeyMeasure>();
  for (const task of tasks) {
    const mine = cursors.filter((c) => c.task === task.id);
    if (mine.every((c) => c.done)) continue;
    // The table may be gone or renamed by now; progress then falls back (range-fraction.ts).
    measures.set(task.id, await keyMeasure(session.sql, task, mine));
  }
  return measures;
}

function progressOf(c: BackfillCursor, moving: boolean, measure: KeyMeasure): BackfillProgress {
  // The worker records each range's rate with every batch; it means nothing once the worker is gone or holds.
  const rowsPerSecond = moving && !c.done && Number.isFinite(c.rowsPerSecond) ? Math.round(c.rowsPerSecond) : 0;
  const fraction = rangeFraction(c, measure);
  const rowsExpected = expectedRows(c.rowsDone, c.rowsEstimated, fraction, c.done);
  return {
    task: c.task,
    range: c.rangeIndex,
    mode: c.kind,
    rowsDone: c.rowsDone,
    rowsEstimated: c.rowsEstimated,
    rowsExpected,
    fraction,
    share: rangeShare(c, measure),
    percent: percentOf(fraction, c.done),
    rowsPerSecond,
    etaSeconds: etaOf(c.rowsDone, rowsExpected, rowsPerSecond, c.done),
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
    const fraction = taskFraction(mine);
    const rowsExpected = expectedRows(rowsDone, rowsEstimated, fraction, done);
    return {
      task,
      ranges: mine.length,
      rowsDone,
      rowsEstimated,
      rowsExpected,
      fraction,
      percent: percentOf(fraction, done),
      rowsPerSecond,
      etaSeconds: etaOf(rowsDone, rowsExpected, rowsPerSecond, done),
      done,
    };
  });
}

/** Seconds to update the rows still expected at the current rate; null when unknown (no rate, or nothing to project from). */
function etaOf(done: number, expected: number, rowsPerSecond: number, finished: boolean): number | null {
  if (finished) return 0;
  const seconds = Math.round(Math.max(0, expected - done) / rowsPerSecond);
  return rowsPerSecond > 0 && done > 0 && Number.isFinite(seconds) ? seconds : null;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
