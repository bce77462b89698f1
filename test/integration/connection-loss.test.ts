// A lost connection is an event, not a crash: when one of online's backends is terminated or the
// server restarts mid-run, the worker waits, reconnects, retakes its lease and goes on from the last
// committed batch or step; every row ends right and counted once. Server restarts use a server of
// their own, so the rest of the suite never notices.
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { driverIsPatched } from '../../src/db/driver-patch.js';
import { startEmbeddedServer, type EmbeddedServer } from '../../src/embedded/embedded-server.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startStallingProxy } from '../support/stalling-proxy.js';
import { createTickets } from '../support/tickets-fixture.js';
import { eventually, killWatchedRuns, watchCli, type Event, type WatchedRun } from '../support/watched-cli.js';
import { addColumnArgs } from '../support/add-column-args.js';

const rows = 20_000;
const fixedBatches = ['--batch-size', '200', '--min-batch-size', '200', '--max-batch-size', '200', '--pause-ms', '20', '--json'];
const batches = (events: Event[]): number => events.filter((e) => e.type === 'batch').length;

/**
 * A hold the test controls: the run's throttle query reads it every 100 ms. Held between batches, the
 * run stays mid-backfill for as long as the test needs (the ~95 batches left take far longer than a
 * probe), so terminating a backend never races the end of the run.
 */
const holdable = ['--throttle-query', 'select hold from test_hold', '--probe-interval', '100ms'];
async function createHold(sql: postgres.Sql): Promise<void> {
  await sql`create table if not exists test_hold (hold boolean not null)`;
  await sql`delete from test_hold`;
  await sql`insert into test_hold values (false)`;
}
async function hold(sql: postgres.Sql, run: ReturnType<typeof watchCli>): Promise<void> {
  await sql`update test_hold set hold = true`;
  await run.until((events) => events.some((e) => e.type === 'activity' && e.state === 'throttled'), 60_000);
}
const release = (sql: postgres.Sql) => sql`update test_hold set hold = false`;

/** Backends of the online processes connected to the database, with what each last ran. */
async function onlineBackends(sql: postgres.Sql): Promise<{ pid: number; query: string }[]> {
  return sql<{ pid: number; query: string }[]>`
    select pid, query from pg_stat_activity where datname = current_database() and application_name = 'online' and pid <> pg_backend_pid()`;
}

async function expectEveryRowFilled(sql: postgres.Sql, table: string, migration: string): Promise<void> {
  const [wrong] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(table)} where flag is distinct from escalated`;
  expect(wrong?.n).toBe(0);
  // Counted once: the fill pass's rows equal the table's rows, however often the run reconnected.
  const [done] = await sql<
    { rows: number }[]
  >`select sum(rows_done)::int as rows from online_migrate.backfill_cursors where migration = ${migration}`;
  expect(done?.rows).toBe(rows);
}

describe('postgres.js with the patch for porsager/postgres#1208 and #1192', () => {
  const db = useTestDatabase('driver_patch');

  it('is installed, and a query on a reserved connection whose backend died rejects instead of ending the process', async () => {
    expect(driverIsPatched()).toBe(true);
    const sql = await connect(db.url, { max: 2 });
    try {
      const reserved = await sql.reserve();
      const [me] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await db.sql`select pg_terminate_backend(${me?.pid ?? 0})`;
      for (let i = 0; i < 3; i++)
        await expect(reserved`select 1`).rejects.toMatchObject({ code: expect.stringMatching(/^(CONNECTION_CLOSED|ECONNRESET|57P01)$/) });
      reserved.release();
      // The pool is still usable: a fresh connection answers.
      const answered = await sql`select 1 as one`.catch(() => sql`select 1 as one`);
      expect(answered[0]?.one).toBe(1);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('a pool ended while a new connection fetches its array types rejects the waiting query, and nothing else', async () => {
    // A reconnect abandons the lost pool (end with timeout 0) while a query may still be opening a
    // connection: that query fails, but the types query the driver runs first on a new connection, whose
    // promise nothing awaits, must not end the process with its CONNECTION_DESTROYED.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const proxy = await startStallingProxy(db.url);
    const sql = await connect(proxy.url, { max: 2 });
    try {
      // With the first connection reserved, the next query opens a second one: its types query gets no answer.
      const busy = await sql.reserve();
      const stalled = proxy.stallAt('pg_catalog.pg_type');
      const waiting = sql`select 1`.then(
        () => 'answered',
        (error: unknown) => error,
      );
      await stalled;
      busy.release();
      await sql.end({ timeout: 0 });
      expect(await waiting).toMatchObject({ code: 'CONNECTION_DESTROYED' });
      // Node reports an unhandled rejection once the turn that made it has run its microtasks.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await sql.end({ timeout: 0 });
      await proxy.close();
    }
  });
});

/** A holdable `start add-column` filling `table` (created with its rows), five batches in. */
async function fillUnderWay(db: TestDatabase, table: string): Promise<{ migration: string; run: WatchedRun }> {
  const migration = `fill-${table}`;
  await createTickets(db.sql, rows, table);
  await createHold(db.sql);
  const run = watchCli(
    [
      ...addColumnArgs({ table, column: 'flag', type: 'boolean', backfill: 'escalated', migrationName: migration }),
      ...fixedBatches,
      ...holdable,
    ],
    db.url,
  );
  await run.until((events) => batches(events) >= 5, 60_000);
  return { migration, run };
}

describe("one of online's backends terminated mid-backfill", () => {
  const db = useTestDatabase('conn_loss');
  afterEach(() => killWatchedRuns());

  /**
   * Which backends to terminate, and whether the run notices while it is held (the lease's heartbeat
   * runs while the backfill idles; a batch worker's connection is only used again once released).
   */
  const victims = {
    'the batch worker': { pick: (b: { query: string }, table: string) => b.query.includes(`"${table}"`), noticedWhileHeld: false },
    'the lease holder': { pick: (b: { query: string }) => b.query.includes('"leases"'), noticedWhileHeld: true },
    'every backend': { pick: () => true, noticedWhileHeld: true },
  } as const;

  it.each(Object.keys(victims) as (keyof typeof victims)[])(
    '%s: the run reconnects and finishes with every row right and counted once',
    async (victim) => {
      const { pick, noticedWhileHeld } = victims[victim];
      const table = `tickets_${victim.replaceAll(' ', '_')}`;
      const { migration, run } = await fillUnderWay(db, table);
      await hold(db.sql, run);
      const chosen = (await onlineBackends(db.sql)).filter((b) => pick(b, table));
      expect(chosen.length).toBeGreaterThan(0);
      for (const backend of chosen) await db.sql`select pg_terminate_backend(${backend.pid})`;
      if (noticedWhileHeld) await run.until((events) => events.some((e) => e.type === 'reconnected'), 60_000);
      await release(db.sql);
      const { code } = await run.exited;
      expect(run.stderr()).not.toMatch(/TypeError|at .*connection\.js/);
      expect(code).toBe(0);
      expect(run.events().find((e) => e.type === 'connection-lost')).toMatchObject({ migration, reconnectTimeoutMs: 300_000 });
      expect(run.events().some((e) => e.type === 'reconnected')).toBe(true);
      await expectEveryRowFilled(db.sql, table, migration);
    },
  );
});

describe('every backend of a paused run terminated', () => {
  const db = useTestDatabase('conn_loss_paused');
  afterEach(() => killWatchedRuns());

  it('reconnects, keeps reading the pause flag (still paused), and finishes once unpaused', async () => {
    const table = 'tickets_paused';
    const { migration, run } = await fillUnderWay(db, table);
    // Held mid-backfill by the throttle query while the pause is set; then only the pause holds it.
    await hold(db.sql, run);
    const paused = await runCli(['pause', migration], db.url);
    expect(paused.code, paused.stderr).toBe(0);
    await run.until((events) => events.some((e) => e.type === 'activity' && e.state === 'paused'), 60_000);
    await release(db.sql);
    const before = batches(run.events());
    const backends = await onlineBackends(db.sql);
    expect(backends.length).toBeGreaterThan(0);
    for (const backend of backends) await db.sql`select pg_terminate_backend(${backend.pid})`;
    await run.until((events) => events.some((e) => e.type === 'reconnected'), 60_000);
    // Back on the server, the run reads the flag again and stays paused: no batch until unpause.
    await eventually(
      () => onlineBackends(db.sql),
      (now) => now.length > 0,
    );
    expect(batches(run.events())).toBe(before);
    const [flag] = await db.sql<{ paused: boolean }[]>`select paused from online_migrate.migrations where name = ${migration}`;
    expect(flag?.paused).toBe(true);
    const unpaused = await runCli(['unpause', migration], db.url);
    expect(unpaused.code, unpaused.stderr).toBe(0);
    const { code } = await run.exited;
    expect(run.stderr()).not.toMatch(/TypeError|at .*connection\.js/);
    expect(code).toBe(0);
    expect(batches(run.events())).toBeGreaterThan(before);
    await expectEveryRowFilled(db.sql, table, migration);
  });
});

describe('a locked DDL step whose backend is terminated while it waits for its lock', () => {
  const db = useTestDatabase('conn_loss_ddl');
  afterEach(() => killWatchedRuns());

  it('reconnects, takes the step from the top and completes it once the table is free', async () => {
    await createTickets(db.sql, 100, 'ddl_wait');
    // An application transaction holds ROW EXCLUSIVE on the table: the step's ACCESS EXCLUSIVE waits and retries.
    const app = postgres(db.url, { max: 1, onnotice: () => undefined });
    const holder = await app.reserve();
    await holder`begin`;
    await holder`update ddl_wait set escalated = escalated where id = 1`;
    const run = watchCli(
      [
        'start',
        'add-check',
        '--table',
        'ddl_wait',
        '--name',
        'ddl_wait_title_present',
        '--check',
        "title <> ''",
        '--lock-timeout',
        '500ms',
        '--lock-retries',
        '1000',
        '--json',
      ],
      db.url,
    );
    await run.until((events) => events.some((e) => e.type === 'lock-retry'), 60_000);
    const waiting = await eventually(
      () =>
        db.sql<
          { pid: number }[]
        >`select pid from pg_stat_activity where datname = current_database() and application_name = 'online' and wait_event_type = 'Lock'`,
      (rows) => rows.length > 0,
      30_000,
    );
    for (const backend of waiting) await db.sql`select pg_terminate_backend(${backend.pid})`;
    await run.until((events) => events.some((e) => e.type === 'reconnected'), 60_000);
    await holder`rollback`;
    holder.release();
    await app.end({ timeout: 1 });
    const { code } = await run.exited;
    expect(code).toBe(0);
    const [check] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_constraint where conname = 'ddl_wait_title_present'`;
    expect(check?.n).toBe(1);
    const [recorded] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from online_migrate.steps where migration = 'add-check-ddl_wait-ddl_wait_title_present'`;
    expect(recorded?.n).toBe(1);
  });
});

describe('the server restarts mid-run', () => {
  let server: EmbeddedServer;
  let sql: postgres.Sql;
  beforeAll(async () => {
    server = await startEmbeddedServer();
    sql = postgres(server.url, { max: 2, onnotice: () => undefined });
  }, 120_000);
  afterEach(() => killWatchedRuns());
  afterAll(async () => {
    await sql.end({ timeout: 1 });
    await server.stop();
  });

  /** Shuts the server down, waits until the run has noticed, and starts it again. */
  async function restartOnceNoticed(run: ReturnType<typeof watchCli>): Promise<void> {
    await server.shutDown();
    await run.until((events) => events.some((e) => e.type === 'connection-lost'), 60_000);
    await server.startUp();
  }

  it('mid-backfill: the worker waits, reconnects and finishes with every row right and counted once', async () => {
    await createTickets(sql, rows, 'restart_fill');
    const run = watchCli(
      [
        ...addColumnArgs({ table: 'restart_fill', column: 'flag', type: 'boolean', backfill: 'escalated', migrationName: 'restart-fill' }),
        ...fixedBatches,
      ],
      server.url,
    );
    await run.until((events) => batches(events) >= 5, 60_000);
    await restartOnceNoticed(run);
    const { code } = await run.exited;
    expect(run.stderr()).not.toMatch(/TypeError|at .*connection\.js/);
    expect(code).toBe(0);
    expect(run.events().some((e) => e.type === 'reconnected')).toBe(true);
    await expectEveryRowFilled(sql, 'restart_fill', 'restart-fill');
  });

  it('mid-index-build: the interrupted build is dropped and built again, and the index ends valid', async () => {
    await createTickets(sql, 5_000, 'restart_index');
    // A transaction older than the build holds it in its wait phase, so the restart lands mid-build.
    const holder = postgres(server.url, { max: 1, onnotice: () => undefined });
    const old = await holder.reserve();
    await old`begin`;
    await old`select txid_current()`;
    const run = watchCli(
      ['start', 'create-index', '--table', 'restart_index', '--columns', 'title', '--name', 'restart_index_title', '--json'],
      server.url,
    );
    await run.until((events) => events.some((e) => e.type === 'index-progress' && String(e.phase).includes('waiting')), 60_000);
    await restartOnceNoticed(run);
    old.release();
    await holder.end({ timeout: 1 }).catch(() => undefined);
    const { code } = await run.exited;
    expect(code).toBe(0);
    const [index] = await sql<
      { valid: boolean }[]
    >`select indisvalid as valid from pg_index where indexrelid = 'restart_index_title'::regclass`;
    expect(index?.valid).toBe(true);
  });

  it('a server that stays away past --reconnect-timeout: exit 1 naming resume; resume finishes once it is back', async () => {
    await createTickets(sql, rows, 'restart_gone');
    const run = watchCli(
      [
        ...addColumnArgs({ table: 'restart_gone', column: 'flag', type: 'boolean', backfill: 'escalated', migrationName: 'restart-gone' }),
        '--reconnect-timeout',
        '2s',
        ...fixedBatches,
      ],
      server.url,
    );
    await run.until((events) => batches(events) >= 5, 60_000);
    await server.shutDown();
    const { code } = await run.exited;
    await server.startUp();
    expect(code).toBe(1);
    expect(run.events().at(-1)).toMatchObject({
      error: { code: 'CONNECTION_LOST', message: expect.stringContaining('online resume restart-gone') },
    });
    const resumed = await runCli(['resume', 'restart-gone'], server.url);
    expect(resumed.code).toBe(0);
    await expectEveryRowFilled(sql, 'restart_gone', 'restart-gone');
  });

  it('a worker that took the lease while the connection was down: this run stops with exit 1', async () => {
    await createTickets(sql, rows, 'lease_taken');
    await createHold(sql);
    const run = watchCli(
      [
        ...addColumnArgs({ table: 'lease_taken', column: 'flag', type: 'boolean', backfill: 'escalated', migrationName: 'lease-taken' }),
        ...fixedBatches,
        ...holdable,
      ],
      server.url,
    );
    await run.until((events) => batches(events) >= 5, 60_000);
    await hold(sql, run);
    const [lease] = await sql<{ pid: number }[]>`
      select pid from pg_stat_activity where application_name = 'online' and query like '%"leases"%' and pid <> pg_backend_pid()`;
    expect(lease).toBeDefined();
    // Another worker: it waits for the lock, which it gets as soon as the terminated backend ends.
    const other = postgres(server.url, { max: 1, onnotice: () => undefined });
    const otherLease = await other.reserve();
    await sql`select pg_terminate_backend(${lease?.pid ?? 0})`;
    await otherLease`select pg_advisory_lock(hashtext('online_migrate'), hashtext('lease-taken'))`;
    await otherLease`update online_migrate.leases set host = 'other-host', pid = 4242 where migration = 'lease-taken'`;
    const { code } = await run.exited;
    otherLease.release();
    await other.end({ timeout: 1 });
    expect(code).toBe(1);
    expect(run.events().at(-1)).toMatchObject({
      error: { code: 'LEASE_TAKEN', message: expect.stringContaining('pid 4242 on other-host') },
    });
  });
});
