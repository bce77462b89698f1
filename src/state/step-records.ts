// The steps table: which planned DDL steps have run. A step's row commits with its DDL.
import { jsonParam, stateTable, type Db, type StateStore } from './state-store.js';

export interface StepRecord {
  readonly phase: string;
  readonly stepIndex: number;
  readonly description: string;
  readonly durationMs: number;
  readonly executedAt: Date;
}

export interface NewStep {
  readonly migration: string;
  readonly phase: string;
  readonly stepIndex: number;
  readonly description: string;
  readonly statements: readonly string[];
  readonly durationMs: number;
}

export async function recordStep(db: Db, store: StateStore, step: NewStep): Promise<void> {
  await db`
    insert into ${stateTable(db, store, 'steps')} (migration, phase, step_index, description, statements, duration_ms)
    values (${step.migration}, ${step.phase}, ${step.stepIndex}, ${step.description}, ${jsonParam(db, step.statements)}, ${step.durationMs})
    on conflict (migration, phase, step_index) do nothing`;
}

export async function listSteps(db: Db, store: StateStore, migration: string): Promise<StepRecord[]> {
  return db<StepRecord[]>`
    select phase, step_index as "stepIndex", description, duration_ms as "durationMs", executed_at as "executedAt"
    from ${stateTable(db, store, 'steps')} where migration = ${migration} order by executed_at, step_index`;
}

export async function clearSteps(db: Db, store: StateStore, migration: string, phase: string): Promise<void> {
  await db`delete from ${stateTable(db, store, 'steps')} where migration = ${migration} and phase = ${phase}`;
}
