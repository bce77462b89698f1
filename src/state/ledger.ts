// The ledger: one object, bound to a connection and a state schema, that owns every read and write of
// the state tables (migrations, steps, events, the pause flag, stop requests, worker activity,
// leases). The small per-table files beside it hold the queries; this is the one door to them. A write
// that must commit with DDL goes through `within(tx)`, the same ledger on the transaction's handle.
import type { TransactionSql } from '../db/connect.js';
import type { LeaseHolder, StopRequester } from '../errors/index.js';
import { logEvent } from './event-log.js';
import { acquireLease, isLeaseHeld, readLeaseHolder, type Lease } from './lease.js';
import {
  getMigration,
  insertMigration,
  listMigrations,
  updateMigration,
  type MigrationRecord,
  type MigrationUpdate,
  type NewMigration,
} from './migration-records.js';
import { isPaused, setPaused } from './pause-flag.js';
import { forecastOf, recordForecast } from './forecast-records.js';
import type { PlanForecast } from '../forecast/plan-forecast.js';
import { ensureStateSchema, stateSchemaExists } from './state-schema.js';
import type { Db, StateStore } from './state-store.js';
import { lastEventId, lastStopRequested, recordStopRequest, stopRequestAfter } from './stop-request.js';
import { clearSteps, listSteps, recordStep, type NewStep, type StepRecord } from './step-records.js';
import { recordActivity, type WorkerActivity } from './worker-activity.js';

export class Ledger {
  readonly store: StateStore;
  /** Where the queries go: the store's pool, or a transaction of it (see `within`). */
  readonly #db: Db;

  constructor(store: StateStore, db: Db = store.sql) {
    this.store = store;
    this.#db = db;
  }

  /** The same ledger on a transaction: its writes commit or roll back with the transaction's DDL. */
  within(tx: TransactionSql): Ledger {
    return new Ledger(this.store, tx);
  }

  /**
   * Runs `work` in a transaction with the ledger bound to it: a new one of the pool, or, on a ledger
   * already bound to a transaction (`within`), that one, so its writes never commit apart from it.
   */
  async transaction(work: (ledger: Ledger) => Promise<void>): Promise<void> {
    if (this.#db !== this.store.sql) return work(this);
    await this.store.sql.begin((tx) => work(this.within(tx)));
  }

  /** Whether the state schema exists yet (read-only; used before anything is created). */
  schemaExists(): Promise<boolean> {
    return stateSchemaExists(this.#db, this.store);
  }

  /** Creates or upgrades the state schema (in its own transaction, under an advisory lock). */
  ensureSchema(): Promise<void> {
    return ensureStateSchema(this.store.sql, this.store);
  }

  migration(name: string): Promise<MigrationRecord | undefined> {
    return getMigration(this.#db, this.store, name);
  }

  /** Every recorded migration, oldest first. */
  migrations(): Promise<MigrationRecord[]> {
    return listMigrations(this.#db, this.store);
  }

  /** Every recorded migration, or none before the state schema exists (read-only: it never creates it). */
  async migrationsIfAny(): Promise<MigrationRecord[]> {
    return (await this.schemaExists()) ? this.migrations() : [];
  }

  /** Records a new migration, or restarts a rolled-back one of the same name from scratch. */
  insertMigration(migration: NewMigration): Promise<void> {
    return insertMigration(this.#db, this.store, migration);
  }

  updateMigration(name: string, update: MigrationUpdate): Promise<void> {
    return updateMigration(this.#db, this.store, name, update);
  }

  recordForecast(migration: string, forecast: PlanForecast): Promise<void> {
    return recordForecast(this.#db, this.store, migration, forecast);
  }

  /** The forecast recorded at start; undefined for migrations started without one. */
  forecast(migration: string): Promise<PlanForecast | undefined> {
    return forecastOf(this.#db, this.store, migration);
  }

  steps(migration: string): Promise<StepRecord[]> {
    return listSteps(this.#db, this.store, migration);
  }

  recordStep(step: NewStep): Promise<void> {
    return recordStep(this.#db, this.store, step);
  }

  clearSteps(migration: string, phase: string): Promise<void> {
    return clearSteps(this.#db, this.store, migration, phase);
  }

  logEvent(migration: string, kind: string, detail?: Record<string, unknown>): Promise<void> {
    return logEvent(this.#db, this.store, migration, kind, detail);
  }

  setPaused(migration: string, paused: boolean): Promise<void> {
    return setPaused(this.#db, this.store, migration, paused);
  }

  isPaused(migration: string): Promise<boolean> {
    return isPaused(this.#db, this.store, migration);
  }

  /** The newest event id of the migration: where a run starts looking for stop requests. */
  lastEventId(migration: string): Promise<string> {
    return lastEventId(this.#db, this.store, migration);
  }

  /** `online stop`: asks the worker running the migration to end at its next batch or step boundary. */
  requestStop(migration: string, by: StopRequester): Promise<void> {
    return recordStopRequest(this.#db, this.store, migration, by);
  }

  /** The migration of the newest stop request, if any. */
  lastStopRequested(): Promise<string | undefined> {
    return lastStopRequested(this.#db, this.store);
  }

  /** The first stop request recorded after event `afterId`, if any. */
  stopRequestAfter(migration: string, afterId: string): Promise<StopRequester | undefined> {
    return stopRequestAfter(this.#db, this.store, migration, afterId);
  }

  recordActivity(migration: string, activity: WorkerActivity | null): Promise<void> {
    return recordActivity(this.#db, this.store, migration, activity);
  }

  /** Takes the migration's lease on a connection of its own (LeaseHeldError when another worker has it). */
  acquireLease(migration: string): Promise<Lease> {
    return acquireLease(this.store.sql, this.store, migration);
  }

  /** Whether some session holds the migration's lease right now. */
  isLeaseHeld(migration: string): Promise<boolean> {
    return isLeaseHeld(this.#db, this.store, migration);
  }

  /** Who last took the lease (the row outlives a killed worker; `isLeaseHeld` tells whether it still runs). */
  leaseHolder(migration: string): Promise<LeaseHolder | undefined> {
    return readLeaseHolder(this.#db, this.store, migration);
  }
}
