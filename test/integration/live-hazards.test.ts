// Live hazards against a real server: an old transaction named with its pid and application once it
// is older than the threshold, a replication slot with the WAL it retains, the disk headroom where the
// data directory is visible, and a run that warns before its index build and builds once the old
// snapshot it waits for is gone.
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import type { Hazard } from '../../src/hazards/hazard.js';
import type { HazardLimits, HazardScope } from '../../src/hazards/hazard-scope.js';
import { readHazards } from '../../src/hazards/read-hazards.js';
import { parseSpec, startMigration, type OnlineEvent } from '../../src/index.js';
import { expectCalmTraffic, startWriters } from '../support/concurrent-writers.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';
import { eventually } from '../support/watched-cli.js';
import { runCli } from '../support/run-cli.js';

const limits = (ageMs: number): HazardLimits => ({ ageMs, maxRetainedWalBytes: null });
const scope = (buildsIndex: boolean): HazardScope => ({ tables: ['public.hz_rows'], buildsIndex });

/** A session of another application with a transaction left open after `statements`. */
async function openTransaction(url: string, application: string, statements: string[]) {
  const sql = postgres(url, { max: 1, onnotice: () => undefined, connection: { application_name: application } });
  const conn = await sql.reserve();
  const [row] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
  for (const statement of statements) await conn.unsafe(statement);
  return {
    pid: row?.pid ?? 0,
    async end() {
      await conn`rollback`;
      conn.release();
      await sql.end();
    },
  };
}

/** Waits until `pid`'s transaction is older than `ms` (a catalog condition, not a sleep). */
const olderThan = (sql: postgres.Sql, pid: number, ms: number): Promise<boolean> =>
  eventually(
    async () =>
      (
        await sql<
          { old: boolean }[]
        >`select now() - xact_start > make_interval(secs => ${ms / 1000}) as old from pg_stat_activity where pid = ${pid}`
      )[0]?.old === true,
    (old) => old,
  );

const ofPid = (hazards: readonly Hazard[], pid: number): Hazard | undefined =>
  hazards.find((h) => h.kind === 'old-transaction' && h.details.pid === pid);

describe('live hazards', () => {
  const db = useTestDatabase('live_hazards');

  it('names an old transaction by pid, application and state once it is older than --hazard-age, and not our own sessions', async () => {
    await db.sql`create table hz_rows (id int primary key, v int)`;
    await db.sql`create table hz_other (id int primary key)`;
    const writer = await openTransaction(db.url, 'billing-worker', ['begin', 'select txid_current()', 'insert into hz_rows values (1, 1)']);
    const reader = await openTransaction(db.url, 'report-job', ['begin isolation level repeatable read', 'select count(*) from hz_other']);
    const ours = await connect(db.url, { max: 1 });
    const ourConn = await ours.reserve();
    await ourConn`begin`;
    await ourConn`select count(*) from hz_rows`;
    const [ourPid] = await ourConn<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const sql = await connect(db.url, { max: 2 });
    try {
      // A threshold of an hour: nothing this young is named.
      const young = await readHazards(sql, scope(true), limits(3_600_000), ['transactions']);
      expect(ofPid(young.hazards, writer.pid)).toBeUndefined();

      await olderThan(db.sql, reader.pid, 200);
      const { hazards, unread } = await readHazards(sql, scope(false), limits(200), ['transactions']);
      expect(unread).toEqual([]);
      const lockHolder = ofPid(hazards, writer.pid);
      expect(lockHolder).toMatchObject({
        kind: 'old-transaction',
        severity: 'blocking',
        details: { application: 'billing-worker', state: 'idle in transaction', locksOnTables: ['public.hz_rows ROW EXCLUSIVE'] },
      });
      expect(lockHolder?.message).toContain(`pid ${writer.pid} (billing-worker, idle in transaction)`);
      expect(lockHolder?.message).toContain('holding public.hz_rows ROW EXCLUSIVE');
      expect(lockHolder?.message).toContain(`pg_terminate_backend(${writer.pid})`);
      expect(lockHolder?.message).toContain('insert into hz_rows values (1, 1)');
      // A snapshot without locks on the tables: a warning, unless an index build lies ahead.
      expect(ofPid(hazards, reader.pid)).toMatchObject({ severity: 'warning', details: { holdsSnapshot: true, locksOnTables: [] } });
      const beforeBuild = await readHazards(sql, scope(true), limits(200), ['transactions']);
      expect(ofPid(beforeBuild.hazards, reader.pid)?.severity).toBe('blocking');
      expect(ofPid(beforeBuild.hazards, reader.pid)?.message).toContain('CREATE INDEX CONCURRENTLY waits until it ends');
      // Blocking ones first; our own session (application_name online) is no hazard.
      expect(hazards[0]?.severity).toBe('blocking');
      expect(ofPid(hazards, ourPid?.pid ?? 0)).toBeUndefined();
    } finally {
      await ourConn`rollback`;
      ourConn.release();
      await ours.end();
      await sql.end();
      await writer.end();
      await reader.end();
    }
  });

  it("says when this role cannot see other roles' transactions (no pg_read_all_stats)", async () => {
    const role = `hz_plain_${process.pid}`;
    await db.sql.unsafe(`create role ${role} login password 'hz'`);
    const url = new URL(db.url);
    url.username = role;
    url.password = 'hz';
    const plain = await connect(url.toString(), { max: 1 });
    const other = await openTransaction(db.url, 'billing-worker', ['begin', 'select txid_current()']);
    try {
      await olderThan(db.sql, other.pid, 50);
      const report = await readHazards(plain, scope(false), limits(1), ['transactions']);
      expect(ofPid(report.hazards, other.pid)).toBeUndefined();
      expect(report.unread).toEqual([
        { read: 'transactions', reason: "only this role's own sessions were visible: other roles' need pg_read_all_stats" },
      ]);
      // The superuser of the fixture sees it.
      const sql = await connect(db.url, { max: 1 });
      expect(ofPid((await readHazards(sql, scope(false), limits(1), ['transactions'])).hazards, other.pid)).toBeDefined();
      await sql.end();
    } finally {
      await other.end();
      await plain.end();
      await db.sql.unsafe(`drop role ${role}`);
    }
  });

  it('reports a replication slot with the WAL it retains, blocking once past --max-retained-wal', async () => {
    const slot = `online_hazard_${process.pid}`;
    await db.sql`select pg_create_physical_replication_slot(${slot}, true)`;
    const sql = await connect(db.url, { max: 2 });
    try {
      await db.sql`create table hz_wal as select g as id, repeat('x', 100) as pad from generate_series(1, 2000) g`;
      const found = (await readHazards(sql, scope(false), limits(60_000), ['replication-slots'])).hazards.find(
        (h) => h.kind === 'replication-slot' && h.details.slot === slot,
      );
      expect(found).toMatchObject({ kind: 'replication-slot', severity: 'warning', details: { active: false, slotType: 'physical' } });
      if (found?.kind !== 'replication-slot') throw new Error('no slot hazard');
      expect(found.details.retainedBytes).toBeGreaterThan(100_000);
      expect(found.message).toContain(`physical replication slot ${slot} (inactive`);
      expect(found.message).toContain(`pg_drop_replication_slot('${slot}')`);
      const held = await readHazards(sql, scope(false), { ageMs: 60_000, maxRetainedWalBytes: 1024 }, ['replication-slots']);
      const over = held.hazards.find((h) => h.kind === 'replication-slot' && h.details.slot === slot);
      expect(over?.severity).toBe('blocking');
      expect(over?.message).toContain('the backfill holds until it shrinks');
    } finally {
      await db.sql`select pg_drop_replication_slot(${slot})`;
      await sql.end();
    }
  });

  it('measures disk headroom against the bytes needed where the data directory is visible, and says what is needed where not', async () => {
    const sql = await connect(db.url, { max: 2 });
    try {
      const [setting] = await db.sql<{ dir: string }[]>`select current_setting('data_directory') as dir`;
      const visible = existsSync(setting?.dir ?? '/nonexistent');
      expect((await readHazards(sql, { ...scope(false), neededBytes: 1 }, limits(60_000), ['disk'])).hazards).toEqual(
        visible ? [] : [expect.objectContaining({ kind: 'disk-headroom', severity: 'warning' })],
      );
      const huge = 2 ** 52;
      const [hazard] = (await readHazards(sql, { ...scope(false), neededBytes: huge }, limits(60_000), ['disk'])).hazards;
      if (hazard?.kind !== 'disk-headroom') throw new Error('no disk hazard');
      if (visible) {
        expect(hazard.severity).toBe('blocking');
        expect(hazard.details.freeBytes).toBeLessThan(huge);
        expect(hazard.message).toMatch(/^only .* free where the server writes .*: the server stops when its disk fills/);
      } else {
        expect(hazard.details.unknownBecause).not.toBeNull();
        expect(hazard.message).toContain('disk headroom unknown');
      }
      expect(hazard.details.needed).toBe('4096 TB');
    } finally {
      await sql.end();
    }
  });

  it('a run warns before its index build of the old snapshot the build waits for, logs it, and builds once it ends', async () => {
    await createTickets(db.sql, 3_000, 'hz_tickets');
    await db.sql`create table hz_elsewhere (id int primary key)`;
    const holder = await openTransaction(db.url, 'nightly-report', [
      'begin isolation level repeatable read',
      'select count(*) from hz_elsewhere',
    ]);
    // An xid without a snapshot or a lock on the table: the build does not wait for it, so the run does not name it.
    const bystander = await openTransaction(db.url, 'bystander', ['begin', 'select txid_current()']);
    await olderThan(db.sql, holder.pid, 300);
    await olderThan(db.sql, bystander.pid, 300);
    const writers = startWriters(db.url, { table: 'hz_tickets', writers: 2 });
    const events: OnlineEvent[] = [];
    let ended: Promise<void> | undefined;
    const spec = parseSpec({ name: 'hz-index', operations: [{ op: 'create-index', table: 'hz_tickets', columns: ['status'] }] }, 'test');
    const result = await startMigration({
      databaseUrl: db.url,
      spec,
      options: { hazardAgeMs: 300 },
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'hazard' && event.hazard.kind === 'old-transaction' && event.hazard.details.pid === holder.pid)
          ended ??= holder.end();
      },
    });
    await ended;
    expect(ended).toBeDefined();
    expect(result.status).toBe('awaiting_contract');
    const warned = events.findIndex(
      (e) => e.type === 'hazard' && e.hazard.kind === 'old-transaction' && e.hazard.details.pid === holder.pid,
    );
    const built = events.findIndex((e) => e.type === 'step' && !e.skipped && e.description.includes('concurrently'));
    expect(warned).toBeGreaterThanOrEqual(0);
    expect(built).toBeGreaterThan(warned);
    expect(
      events.filter((e) => e.type === 'hazard' && e.hazard.kind === 'old-transaction' && e.hazard.details.pid === bystander.pid),
    ).toEqual([]);
    await bystander.end();
    const hazard = events[warned];
    expect(hazard).toMatchObject({
      type: 'hazard',
      migration: 'hz-index',
      hazard: { severity: 'blocking', details: { application: 'nightly-report' } },
    });
    const [valid] = await db.sql<{ valid: boolean }[]>`
      select bool_and(i.indisvalid) as valid from pg_index i where i.indrelid = 'hz_tickets'::regclass and i.indexrelid <> 'hz_tickets_pkey'::regclass`;
    expect(valid?.valid).toBe(true);
    const logged = await db.sql<{ detail: { hazards: { details: { pid: number } }[] } }[]>`
      select detail from online_migrate.events where migration = 'hz-index' and kind = 'hazards'`;
    expect(logged.flatMap((l) => l.detail.hazards.map((h) => h.details.pid))).toContain(holder.pid);
    await expectCalmTraffic('live hazards run', writers);
  });

  it('a run warns before a lock step of the transaction holding a lock on its table, and the step runs once it ends', async () => {
    await createTickets(db.sql, 2_000, 'hz_locked');
    const holder = await openTransaction(db.url, 'batch-import', ['begin', 'lock table hz_locked in row exclusive mode']);
    await olderThan(db.sql, holder.pid, 300);
    const writers = startWriters(db.url, { table: 'hz_locked', writers: 2 });
    const warnings: Extract<OnlineEvent, { type: 'hazard' }>[] = [];
    let ended: Promise<void> | undefined;
    const spec = parseSpec(
      { name: 'hz-column', operations: [{ op: 'add-column', table: 'hz_locked', column: 'note', type: 'text' }] },
      'test',
    );
    const result = await startMigration({
      databaseUrl: db.url,
      spec,
      options: { hazardAgeMs: 300, lockTimeoutMs: 200, lockRetries: 1_000 },
      onEvent: (event) => {
        if (event.type !== 'hazard') return;
        warnings.push(event);
        if (event.hazard.kind === 'old-transaction' && event.hazard.details.pid === holder.pid) ended ??= holder.end();
      },
    });
    await ended;
    expect(result.status).toBe('awaiting_contract');
    const warned = warnings.find((w) => w.hazard.kind === 'old-transaction' && w.hazard.details.pid === holder.pid);
    expect(warned?.hazard.severity).toBe('blocking');
    expect(warned?.hazard.message).toContain(`pid ${holder.pid} (batch-import, idle in transaction)`);
    expect(warned?.hazard.message).toContain('holding public.hz_locked ROW EXCLUSIVE');
    expect(warned?.step).toMatch(/note/);
    const [column] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from information_schema.columns where table_name = 'hz_locked' and column_name = 'note'`;
    expect(column?.n).toBe(1);
    await expectCalmTraffic('live hazards lock step', writers);
  });

  it('online plan <file> ends with the live hazards of its tables, read against the live database; --json carries them', async () => {
    await db.sql`create table hz_plan (id bigserial primary key, title text not null)`;
    await db.sql`insert into hz_plan (title) select 't' || g from generate_series(1, 500) g`;
    const reader = await openTransaction(db.url, 'nightly-report', [
      'begin isolation level repeatable read',
      'select count(*) from hz_plan',
    ]);
    const spec = join(await mkdtemp(join(tmpdir(), 'online-hazards-')), 'hz-plan.json');
    const operations = [{ op: 'create-index', table: 'hz_plan', columns: ['title'], name: 'hz_plan_title_idx' }];
    await writeFile(spec, JSON.stringify({ name: 'hz-plan-index', operations }));
    try {
      await olderThan(db.sql, reader.pid, 200);
      const json = await runCli(['plan', spec, '--hazard-age', '200ms', '--no-calibrate', '--json'], db.url);
      expect(json.code).toBe(0);
      const { hazards } = JSON.parse(json.stdout) as { hazards: { hazards: Hazard[] } };
      expect(ofPid(hazards.hazards, reader.pid)).toMatchObject({ severity: 'blocking', details: { application: 'nightly-report' } });
      const text = await runCli(['plan', spec, '--hazard-age', '200ms', '--no-calibrate'], db.url);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(
        `-- Live hazards:\n--   warning (the migration will wait): pid ${reader.pid} (nightly-report, idle in transaction)`,
      );
      // Nothing was built or changed: plan only reads.
      expect(await db.sql`select 1 from pg_class where relname = 'hz_plan_title_idx'`).toHaveLength(0);
    } finally {
      await reader.end();
    }
  });
});
