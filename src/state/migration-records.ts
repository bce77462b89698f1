// The migrations table: one row per migration with its spec, plan, options, status and phase.
import type { OperationPlan } from '../plan/plan.js';
import { readStoredPlan, storedPlan, type StoredPlan } from '../plan/plan-format.js';
import type { MigrationSpec } from '../migration-spec/migration-spec.js';
import type { RunOptions } from '../settings/run-options.js';
import { jsonParam, stateTable, type Db, type StateStore } from './state-store.js';
import type { WorkerActivity } from './worker-activity.js';

/** Every status a migration can record; the lifecycle table and its tests enumerate these. */
export const migrationStatuses = ['running', 'stopped', 'failed', 'awaiting_contract', 'completed', 'rolled_back'] as const;
export type MigrationStatus = (typeof migrationStatuses)[number];
/** The phase in progress, or to run next. */
export const migrationPhases = ['expand', 'backfill', 'contract', 'rollback', 'done'] as const;
export type MigrationPhase = (typeof migrationPhases)[number];

export const finishedStatuses: readonly MigrationStatus[] = ['completed', 'rolled_back'];

export interface RecordedError {
  readonly code: string;
  readonly message: string;
}

export interface NewMigration {
  readonly name: string;
  readonly spec: MigrationSpec;
  readonly specHash: string;
  readonly plan: OperationPlan;
  readonly options: RunOptions;
  readonly tables: readonly string[];
}

export interface MigrationRecord extends NewMigration {
  readonly status: MigrationStatus;
  readonly phase: MigrationPhase;
  readonly paused: boolean;
  /** What the worker last recorded doing; stale when its lease is gone. */
  readonly activity: WorkerActivity | null;
  readonly error: RecordedError | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly completedAt: Date | null;
}

const columns = (db: Db) =>
  db`name, spec, spec_hash as "specHash", plan, options, tables, status, phase, paused, activity, error,
     created_at as "createdAt", updated_at as "updatedAt", completed_at as "completedAt"`;

/** Inserts a new migration, or restarts a rolled-back one of the same name from scratch. */
export async function insertMigration(db: Db, store: StateStore, m: NewMigration): Promise<void> {
  const table = stateTable(db, store, 'migrations');
  await db`delete from ${stateTable(db, store, 'steps')} where migration = ${m.name}`;
  await db`delete from ${stateTable(db, store, 'backfill_cursors')} where migration = ${m.name}`;
  await db`
    insert into ${table} (name, spec, spec_hash, plan, options, tables, status, phase, error)
    values (${m.name}, ${jsonParam(db, m.spec)}, ${m.specHash}, ${jsonParam(db, storedPlan(m.plan))},
            ${jsonParam(db, m.options)}, ${m.tables as string[]}, 'running', 'expand', null)
    on conflict (name) do update set spec = excluded.spec, spec_hash = excluded.spec_hash, plan = excluded.plan,
      options = excluded.options, tables = excluded.tables, status = 'running', phase = 'expand', paused = false,
      activity = null, error = null, created_at = now(), updated_at = now(), completed_at = null`;
}

type MigrationRow = Omit<MigrationRecord, 'plan'> & { readonly plan: StoredPlan };

/** A row as the rest of online reads it: its plan checked against the formats this build knows. */
const recordOf = (row: MigrationRow): MigrationRecord => ({ ...row, plan: readStoredPlan(row.name, row.plan) });

export async function getMigration(db: Db, store: StateStore, name: string): Promise<MigrationRecord | undefined> {
  const [row] = await db<MigrationRow[]>`select ${columns(db)} from ${stateTable(db, store, 'migrations')} where name = ${name}`;
  return row === undefined ? undefined : recordOf(row);
}

export async function listMigrations(db: Db, store: StateStore): Promise<MigrationRecord[]> {
  const rows = await db<MigrationRow[]>`select ${columns(db)} from ${stateTable(db, store, 'migrations')} order by created_at, name`;
  return rows.map(recordOf);
}

export interface MigrationUpdate {
  readonly status?: MigrationStatus;
  readonly phase?: MigrationPhase;
  readonly error?: RecordedError | null;
  readonly options?: RunOptions;
}

export async function updateMigration(db: Db, store: StateStore, name: string, update: MigrationUpdate): Promise<void> {
  const completed = update.status === 'completed' || update.status === 'rolled_back';
  await db`
    update ${stateTable(db, store, 'migrations')} set
      status = coalesce(${update.status ?? null}, status),
      phase = coalesce(${update.phase ?? null}, phase),
      error = case when ${update.error !== undefined} then ${update.error === undefined || update.error === null ? null : jsonParam(db, update.error)}::jsonb else error end,
      options = coalesce(${update.options === undefined ? null : jsonParam(db, update.options)}::jsonb, options),
      completed_at = case when ${completed} then now() else completed_at end,
      updated_at = now()
    where name = ${name}`;
}
