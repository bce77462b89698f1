// `history`: every migration in the ledger, oldest first, with its status, phase and timestamps, what
// each phase's steps took (from the steps table), and the rows and time of each backfill (from the
// backfill cursors: rows summed over the ranges, time from the first range's start to the last batch;
// a backfill interrupted and resumed counts the time in between too). Read-only: a database without a
// ledger has no history, and asking for it never creates the state schema.
import type { OperationPlan } from '../plan/plan.js';
import type { PlanForecast } from '../forecast/plan-forecast.js';
import { listCursors, type BackfillCursor } from '../../phases/backfill-engine/backfill-cursors.js';
import { belongsToTask, partitionOfTaskId, plannedTaskId } from '../plan/partition-tasks.js';
import type { MigrationPhase, MigrationRecord, MigrationStatus, RecordedError } from '../state/migration-records.js';
import type { StepRecord } from '../state/step-records.js';
import { withSession, type ConnectionInput } from './session.js';

/** The phases made of DDL steps (backfill is reported per task instead). */
export const stepPhases = ['expand', 'contract', 'rollback'] as const;
export type StepPhase = (typeof stepPhases)[number];

export interface PhaseSteps {
  readonly phase: StepPhase;
  /** Steps recorded as done. */
  readonly done: number;
  /** Steps the stored plan has for the phase. */
  readonly planned: number;
  /** Sum of the recorded steps' durations. */
  readonly durationMs: number;
}

export interface BackfillHistory {
  readonly task: string;
  /** The leaf partitions a partitioned table's backfill ran over (their ranges summed here); 0 for a plain table. */
  readonly partitions: number;
  readonly ranges: number;
  readonly rowsDone: number;
  readonly batches: number;
  readonly done: boolean;
  readonly startedAt: string;
  /** The last batch's commit (the end, when `done`). */
  readonly updatedAt: string;
  readonly elapsedMs: number;
}

export interface HistoryEntry {
  readonly name: string;
  readonly status: MigrationStatus;
  readonly phase: MigrationPhase;
  readonly error: RecordedError | null;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly completedAt: string | null;
  /** Only the phases the plan has steps for, or that ran steps. */
  readonly phases: readonly PhaseSteps[];
  readonly backfills: readonly BackfillHistory[];
  /** The completed migration this one undoes (`online revert`), if it is a revert. */
  readonly reverts: string | null;
  /** The revert that undid this migration, once that revert has completed. */
  readonly revertedBy: string | null;
  /** What `start` forecast (src/forecast), to set beside the actual; null for migrations started without one. */
  readonly forecast: PlanForecast | null;
}

export async function migrationHistory(input: ConnectionInput): Promise<HistoryEntry[]> {
  return withSession(input, async ({ sql, store, ledger }) => {
    const migrations = await ledger.migrationsIfAny();
    const entries: HistoryEntry[] = [];
    for (const m of migrations) {
      const forecast = (await ledger.forecast(m.name)) ?? null;
      entries.push(entryOf(m, migrations, await ledger.steps(m.name), await listCursors(sql, store, m.name), forecast));
    }
    return entries;
  });
}

function entryOf(
  m: MigrationRecord,
  all: readonly MigrationRecord[],
  steps: readonly StepRecord[],
  cursors: readonly BackfillCursor[],
  forecast: PlanForecast | null,
): HistoryEntry {
  return {
    name: m.name,
    status: m.status,
    phase: m.phase,
    error: m.error,
    startedAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
    completedAt: m.completedAt?.toISOString() ?? null,
    phases: stepPhases.map((phase) => phaseSteps(phase, m.plan, steps)).filter((p) => p.planned > 0 || p.done > 0),
    backfills: backfillsOf(cursors),
    reverts: m.plan.reverts ?? null,
    revertedBy: all.find((r) => r.plan.reverts === m.name && r.status === 'completed')?.name ?? null,
    forecast,
  };
}

function phaseSteps(phase: StepPhase, plan: OperationPlan, steps: readonly StepRecord[]): PhaseSteps {
  const mine = steps.filter((s) => s.phase === phase);
  return { phase, done: mine.length, planned: plan[phase].length, durationMs: mine.reduce((ms, s) => ms + s.durationMs, 0) };
}

function backfillsOf(cursors: readonly BackfillCursor[]): BackfillHistory[] {
  const tasks = [...new Set(cursors.map((c) => plannedTaskId(c.task)))];
  return tasks.map((task) => {
    const ranges = cursors.filter((c) => belongsToTask(c.task, task));
    const started = Math.min(...ranges.map((c) => c.startedAt.getTime()));
    const updated = Math.max(...ranges.map((c) => c.updatedAt.getTime()));
    return {
      task,
      partitions: new Set(ranges.flatMap((c) => partitionOfTaskId(c.task) ?? [])).size,
      ranges: ranges.length,
      rowsDone: ranges.reduce((n, c) => n + c.rowsDone, 0),
      batches: ranges.reduce((n, c) => n + c.batches, 0),
      done: ranges.every((c) => c.done),
      startedAt: new Date(started).toISOString(),
      updatedAt: new Date(updated).toISOString(),
      elapsedMs: updated - started,
    };
  });
}
