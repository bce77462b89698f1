import postgres from 'postgres';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWriters } from '../support/concurrent-writers.js';
import { holdLock } from '../support/held-lock.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';
import { createGatedDigest, endOrphanedBuilds, indexProgress, scanningTable } from '../support/gated-index-build.js';
import { eventually, killWatchedRuns, watchCli, type Event } from '../support/watched-cli.js';

const rows = 20_000;
/**
 * The advisory lock the index expression passes through for every row: while the test holds it, a
 * build stops at the first row of its table scan ("building index"), however fast or slow the machine,
 * and goes on once it is released.
 */
const gate = 4_242;

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

const progress = indexProgress;

describe('an interrupted concurrent index build', severalCliRuns, () => {
  const db = useTestDatabase('index_interrupted');
  beforeAll(async () => {
    await createTickets(db.sql, rows);
    await db.sql`analyze tickets`;
    await createGatedDigest(db.sql, gate);
  });
  // A test that fails before it opens its gate must not leave the lock's transaction open: the next
  // test's concurrent build would wait for it to the timeout.
  let gateHolder: { release(): Promise<void> } | undefined;
  afterEach(async () => {
    killWatchedRuns();
    await gateHolder?.release();
    gateHolder = undefined;
  });

  it('after kill -9 mid-build: interrupted, the INVALID index is dropped and rebuilt by resume while the application writes', async () => {
    const migration = 'create-index-tickets-tickets_title_digest_idx';
    const closed = await holdLock(db.url, `select pg_advisory_lock(${gate})`);
    gateHolder = closed;
    const scanning = scanningTable;
    const run = watchCli(
      [
        'start',
        'create-index',
        '--table',
        'tickets',
        '--expression',
        'gated_digest(title)',
        '--expression',
        'lower(title)',
        '--name',
        'tickets_title_digest_idx',
        '--json',
      ],
      db.url,
    );
    await run.until((events) => progress(events).some(scanning));
    expect(progress(run.events()).find(scanning)).toMatchObject({ migration, index: 'tickets_title_digest_idx' });
    const live = await eventually(
      () => statusJson(db.url, migration),
      (s) => /: building index/.test(s?.activity?.reason ?? ''),
    );
    expect(live).toMatchObject({ state: 'running', activity: { state: 'building-index' } });
    expect(live?.activity?.reason).toMatch(/^index tickets_title_digest_idx: building index/);

    run.child.kill('SIGKILL');
    await run.exited;
    expect(run.child.signalCode).toBe('SIGKILL');
    expect(await endOrphanedBuilds(db)).toBeLessThanOrEqual(1);

    // (1) status says interrupted; (2) the build left an INVALID index.
    expect(await statusJson(db.url, migration)).toMatchObject({ state: 'interrupted' });
    expect(await indexState(db, 'tickets')).toEqual([
      { name: 'tickets_pkey', valid: true },
      { name: 'tickets_title_digest_idx', valid: false },
    ]);

    // (3) resume warns, drops the leftover and builds it again, while the application keeps writing:
    // held in its table scan for as long as the writers need to make progress, the build never stops
    // them (a build that blocked writes would hold them until the gate opened, and this wait would fail).
    const writers = startWriters(db.url, { writers: 2 });
    const resumed = watchCli(['resume', migration, '--json'], db.url);
    await resumed.until((events) => progress(events).some(scanning));
    await writers.waitForOperations(50);
    await closed.release();
    expect((await resumed.exited).code).toBe(0);
    const traffic = await writers.stop();
    console.log(`resume after kill -9: ${traffic.operations} writes, worst latency ${traffic.maxLatencyMs.toFixed(0)} ms`);
    expect(resumed.stderr()).toBe('');
    const events = resumed.events();
    expect(events).toContainEqual({
      type: 'warning',
      message:
        'index tickets_title_digest_idx is INVALID (left by an interrupted or failed build); dropping it concurrently and building it again',
    });
    expect(events.filter((e) => e.type === 'step')).toMatchObject([{ phase: 'expand', skipped: false }]);
    expect(traffic.errors).toEqual([]);

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
      const waitingOnOld = (e: Event): boolean =>
        String(e.phase).includes('waiting') && (e.waitingFor as unknown[]).map(Number).includes(pid);
      await run.until((events) => progress(events).some(waitingOnOld));
      const waiting = progress(run.events()).find(waitingOnOld);
      expect(waiting).toMatchObject({ migration, index: 'tickets_wait_status_created_at_idx', phase: 'waiting for old snapshots' });
      expect(waiting?.waitingFor).toContain(pid);

      const status = await eventually(
        () => statusJson(db.url, migration),
        (s) => s?.activity?.reason?.includes(`waiting for pid ${pid}`) === true,
      );
      expect(status).toMatchObject({ state: 'running', activity: { state: 'building-index' } });
      expect(status?.activity?.reason).toMatch(/^index tickets_wait_status_created_at_idx: waiting for old snapshots/);
      expect(status?.activity?.reason).toContain(`waiting for pid ${pid}`);
      // Built but not yet usable while it waits.
      expect(await indexState(db, 'tickets_wait')).toContainEqual({ name: 'tickets_wait_status_created_at_idx', valid: false });

      // The application keeps writing while the build waits.
      const count = async (): Promise<number> => (await db.sql<{ n: number }[]>`select count(*)::int as n from tickets_wait`)[0]?.n ?? 0;
      const before = await count();
      await eventually(count, (n) => n > before);
      await writers.waitForOperations(50);
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
  });
});
