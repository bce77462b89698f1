// The lifecycle every operation must survive, as a table case (pgroll's style): start → rollback →
// start → complete under concurrent writers, with the operation's own checks in hooks after each step
// (afterStart, afterRollback, afterRestart after the second start, afterComplete).
//
//   lifecycleTest(db, {
//     name: 'start → rollback → start → complete under writers: …',
//     spec,
//     seed: async (db) => ({ before: await catalogSnapshot(db.sql) }),   // its result is run.state
//     afterStart: async ({ db, state }) => { … },
//     afterRollback: async ({ db, state }) => { expect(await catalogSnapshot(db.sql)).toEqual(state.before); },
//     afterComplete: async ({ db, state }) => { … },
//   });
//
// What every case gets without writing it: the writers run from before the first start until after
// complete, and must see no error (expectCalmTraffic); each start ends awaiting contract, the rollback
// rolled back, the complete completed.
import { expect, it } from 'vitest';
import {
  completeMigration,
  rollbackMigration,
  startMigration,
  type MigrationSpec,
  type OnlineEvent,
  type RunOptionsInput,
} from '../../src/index.js';
import { expectCalmTraffic, startWriters, type ConcurrentWriters, type WriterOptions, type WriterReport } from './concurrent-writers.js';
import type { TestDatabase } from './test-database.js';

/** What the hooks see: the database, the spec, what `seed` returned, and the run so far. */
export interface LifecycleRun<State> {
  readonly db: TestDatabase;
  readonly spec: MigrationSpec;
  readonly state: State;
  readonly writers: ConcurrentWriters;
  /** Every event the first start emitted. */
  readonly events: readonly OnlineEvent[];
}

export interface LifecycleCase<State> {
  /** The test's name. */
  readonly name: string;
  /** The migration; a function for one that needs the seeded database to be read (an example file). */
  readonly spec: MigrationSpec | (() => Promise<MigrationSpec>);
  /** Options of both starts. */
  readonly options?: RunOptionsInput;
  /** Tables and rows before the writers start; what it returns (a catalog snapshot …) is `run.state`. */
  readonly seed?: (db: TestDatabase, spec: MigrationSpec) => Promise<State>;
  /** The application's traffic: the ticket writers with these options (default 3 writers), or its own. */
  readonly writers?: WriterOptions | ((url: string) => ConcurrentWriters);
  readonly afterStart?: (run: LifecycleRun<State>) => Promise<void>;
  readonly afterRollback?: (run: LifecycleRun<State>) => Promise<void>;
  /** After the second start, before complete. */
  readonly afterRestart?: (run: LifecycleRun<State>) => Promise<void>;
  /** After complete, with the writers stopped: `traffic` is what they did over the whole lifecycle. */
  readonly afterComplete?: (run: LifecycleRun<State>, traffic: WriterReport) => Promise<void>;
  /** Complete without naming the migration (the one active migration), as `online complete` with no argument. */
  readonly completeUnnamed?: boolean;
  readonly timeout?: number;
}

/** Runs one case in the database `db` (see useTestDatabase). */
export async function runLifecycleCase<State>(db: TestDatabase, c: LifecycleCase<State>): Promise<void> {
  const spec = typeof c.spec === 'function' ? await c.spec() : c.spec;
  const state = (await c.seed?.(db, spec)) as State;
  const writers = typeof c.writers === 'function' ? c.writers(db.url) : startWriters(db.url, { writers: 3, ...c.writers });
  const events: OnlineEvent[] = [];
  const run: LifecycleRun<State> = { db, spec, state, writers, events };
  const databaseUrl = db.url;
  const awaitingContract = { migration: spec.name, status: 'awaiting_contract', phase: 'contract' };

  try {
    // The application is already writing when the migration starts.
    await writers.waitForOperations(20);
    expect(await startMigration({ databaseUrl, spec, options: c.options, onEvent: (e) => events.push(e) })).toMatchObject(awaitingContract);
    await c.afterStart?.(run);
    expect(await rollbackMigration({ databaseUrl, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    await c.afterRollback?.(run);
    expect(await startMigration({ databaseUrl, spec, options: c.options })).toMatchObject(awaitingContract);
    await c.afterRestart?.(run);
    const migration = c.completeUnnamed === true ? undefined : spec.name;
    expect(await completeMigration({ databaseUrl, migration })).toMatchObject({ status: 'completed', phase: 'done' });
  } catch (error) {
    // The application stops with the test, whatever failed.
    await writers.stop();
    throw error;
  }
  const traffic = await expectCalmTraffic(`${spec.name} lifecycle`, writers);
  await c.afterComplete?.(run, traffic);
}

/** The case as one test of the enclosing describe, in its database. */
export function lifecycleTest<State>(db: TestDatabase, c: LifecycleCase<State>): void {
  it(c.name, { timeout: c.timeout }, () => runLifecycleCase(db, c));
}
