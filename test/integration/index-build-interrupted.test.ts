import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWriters } from '../support/concurrent-writers.js';
import { jsonLines, runCli } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';
import { eventually, killWatchedRuns, sleep, watchCli, type Event } from '../support/watched-cli.js';

// 1.5M tickets: on this 2-core machine the expression index below takes about 3.4 s to build
// (measured alone; longer under the writers), so the kill lands in the middle of the build.
const rows = 1_500_000;
const lockTimeoutMs = 1_000;

interface MigrationJson {
  readonly name: string;
  readonly state: string;
  readonly activity: { readonly state: string; readonly reason: string | null } | null;
}

async function statusJson(url: string, migration: string): Promise<MigrationJson | undefined> {
  const result = await runCli(['status', migration, '--json'], url);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout.trim()) as { migrations: MigrationJson[] }).migrations[0];
}

async function indexState(db: TestDatabase, table: string): Promise<{ name: string; valid: boolean }[]> {
  return db.sql<{ name: string; valid: boolean }[]>`
    select c.relname as name, x.indisvalid as valid from pg_index x join pg_class c on c.oid = x.indexrelid
    where x.indrelid = ${table}::regclass order by c.relname`;
}

const progress = (events: Event[]): Event[] => events.filter((e) => e.type === 'index-progress');

describe('an interrupted concurrent index build', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('index_interrupted');
    await createTickets(db.sql, rows);
    await db.sql`analyze tickets`;
  });
  afterEach(() => {
    killWatchedRuns();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('after kill -9 mid-build: interrupted, the INVALID index is dropped and rebuilt by resume', async () => {
    const migration = 'create-index-tickets-tickets_title_digest_idx';
    const run = watchCli(
      ['start', 'create-index', '--table', 'tickets', '--expression', 'md5(title)', '--expression', 'lower(title)', '--name', 'tickets_title_digest_idx', '--json'],
      db.url,
    );
    await run.until((events) => progress(events).some((e) => String(e.phase).startsWith('building index')), 30_000);
    const building = progress(run.events()).at(-1);
    expect(building).toMatchObject({ migration, index: 'tickets_title_digest_idx' });
    expect(Number(building?.blocksTotal)).toBeGreaterThan(0);
    const live = await statusJson(db.url, migration);
    expect(live).toMatchObject({ state: 'running', activity: { state: 'building-index' } });
    expect(live?.activity?.reason).toMatch(/^index tickets_title_digest_idx: building index/);

    run.child.kill('SIGKILL');
    await run.exited;
    expect(run.child.signalCode).toBe('SIGKILL');
    // PostgreSQL does not notice a dead client in the middle of a statement, so the build's session
    // would run on to the end by itself; end it as a crash of the host would.
    const orphans = await db.sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where query ilike 'create index concurrently%' and backend_type = 'client backend' and pid <> pg_backend_pid()`;
    expect(orphans).toHaveLength(1);
    await db.sql`select pg_terminate_backend(${orphans[0]?.pid ?? 0}::int)`;
    await eventually(() => db.sql`select 1 from pg_stat_activity where pid = ${orphans[0]?.pid ?? 0}::int`, (r) => r.length === 0, 10_000);

    // (1) status says interrupted; (2) the build left an INVALID index.
    expect(await statusJson(db.url, migration)).toMatchObject({ state: 'interrupted' });
    expect(await indexState(db, 'tickets')).toEqual([
      { name: 'tickets_pkey', valid: true },
      { name: 'tickets_title_digest_idx', valid: false },
    ]);

    // (3) resume warns, drops the leftover and builds it again, while the application keeps writing.
    const writers = startWriters(db.url, { writers: 2 });
    const resumed = await runCli(['resume', migration, '--json'], db.url);
    const traffic = await writers.stop();
    console.log(`resume after kill -9: ${traffic.operations} writes, worst latency ${traffic.maxLatencyMs.toFixed(0)} ms`);
    expect(resumed.code).toBe(0);
    const events = jsonLines(resumed.stdout);
    expect(events).toContainEqual({
      type: 'warning',
      message: 'index tickets_title_digest_idx is INVALID (left by an interrupted or failed build); dropping it concurrently and building it again',
    });
    const rebuild = events.filter((e) => e.type === 'step');
    expect(rebuild).toMatchObject([{ phase: 'expand', skipped: false }]);
    console.log(`rebuild of the ${rows.toLocaleString('en-US')}-row index under writers: ${String(rebuild[0]?.durationMs)} ms`);
    expect(traffic.errors).toEqual([]);
    expect(traffic.operations).toBeGreaterThan(20);
    expect(traffic.maxLatencyMs).toBeLessThanOrEqual(lockTimeoutMs + 1_000);

    // (4) one valid index, nothing invalid left.
    expect(await indexState(db, 'tickets')).toEqual([
      { name: 'tickets_pkey', valid: true },
      { name: 'tickets_title_digest_idx', valid: true },
    ]);
    expect(await statusJson(db.url, migration)).toMatchObject({ state: 'awaiting_contract', activity: null });
    expect((await runCli(['complete', migration], db.url)).code).toBe(0);
    expect((await indexState(db, 'tickets')).filter((i) => !i.valid)).toEqual([]);
  });

  it('waits for an old open transaction, naming its pid in events and status, and finishes once it commits', async () => {
    await createTickets(db.sql, 20_000, 'tickets_wait');
    const migration = 'create-index-tickets_wait-tickets_wait_status_created_at_idx';
    const old = postgres(db.url, { max: 1, onnotice: () => undefined });
    const conn = await old.reserve();
    await conn`begin`;
    const [holder] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid, txid_current()`;
    const pid = holder?.pid ?? 0;
    const writers = startWriters(db.url, { table: 'tickets_wait', writers: 2 });
    try {
      const run = watchCli(['start', 'create-index', '--table', 'tickets_wait', '--columns', 'status,created_at', '--json'], db.url);
      const waitingOnOld = (e: Event): boolean => String(e.phase).includes('waiting') && (e.waitingFor as unknown[]).map(Number).includes(pid);
      await run.until((events) => progress(events).some(waitingOnOld), 20_000);
      const waiting = progress(run.events()).find(waitingOnOld);
      expect(waiting).toMatchObject({ migration, index: 'tickets_wait_status_created_at_idx', phase: 'waiting for old snapshots' });
      expect(waiting?.waitingFor).toContain(pid);

      const status = await eventually(() => statusJson(db.url, migration), (s) => s?.activity?.reason?.includes(`waiting for pid ${pid}`) === true, 10_000);
      expect(status).toMatchObject({ state: 'running', activity: { state: 'building-index' } });
      expect(status?.activity?.reason).toMatch(/^index tickets_wait_status_created_at_idx: waiting for old snapshots/);
      expect(status?.activity?.reason).toContain(`waiting for pid ${pid}`);
      // Built but not yet usable while it waits.
      expect(await indexState(db, 'tickets_wait')).toContainEqual({ name: 'tickets_wait_status_created_at_idx', valid: false });

      // The application keeps writing while the build waits.
      const [{ n: before } = { n: 0 }] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets_wait`;
      await sleep(500);
      const [{ n: later } = { n: 0 }] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets_wait`;
      expect(later).toBeGreaterThan(before);
      expect(run.events().some((e) => e.type === 'finished')).toBe(false);

      await conn`commit`;
      const exit = await run.exited;
      expect(exit.code).toBe(0);
      expect(run.events()).toContainEqual(expect.objectContaining({ type: 'finished', status: 'awaiting_contract' }));
      expect(await indexState(db, 'tickets_wait')).toEqual([
        { name: 'tickets_wait_pkey', valid: true },
        { name: 'tickets_wait_status_created_at_idx', valid: true },
      ]);
    } finally {
      await conn`rollback`.catch(() => undefined);
      conn.release();
      await old.end();
    }
    const traffic = await writers.stop();
    console.log(`build waiting on an old transaction: ${traffic.operations} writes, worst latency ${traffic.maxLatencyMs.toFixed(0)} ms`);
    expect(traffic.errors).toEqual([]);
    expect(traffic.maxLatencyMs).toBeLessThanOrEqual(lockTimeoutMs + 1_000);
  });
});
