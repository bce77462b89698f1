// create-index and add-unique on a table partitioned by month (12 months, one of them sub-partitioned,
// and a default partition) while the application inserts across partitions, moves rows between them
// by updating the partition key, and runs transactions over this table and another in both orders.
import type postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import {
  completeMigration,
  DataViolationError,
  migrationStatus,
  parseSpec,
  PreflightError,
  rollbackMigration,
  startMigration,
} from '../../src/index.js';
import { partitionLockOfAddUnique } from '../../src/operations/add-unique.js';
import { startWriterLoops, type ConcurrentWriters, type WriterReport } from '../support/concurrent-writers.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { holdLock } from '../support/held-lock.js';
import { severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createGatedDigest, endOrphanedBuilds, indexProgress, scanningTable } from '../support/gated-index-build.js';
import { killWatchedRuns, watchCli } from '../support/watched-cli.js';

const seededRows = 3_000;
const options = { lockTimeoutMs: 1_000 };

/** `events` by month over 2026 (June by hash of id, in two), a default partition for the rest, and `audit`. */
async function createEvents(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`
    create sequence events_id_seq;
    create table events (
      id bigint not null default nextval('events_id_seq'), created_at date not null, account int not null, body text not null,
      primary key (id, created_at)) partition by range (created_at);
    do $$ begin
      for m in 1..12 loop
        execute format('create table %I partition of events for values from (%L) to (%L)%s', 'events_2026_' || lpad(m::text, 2, '0'),
                       make_date(2026, m, 1), make_date(2026, m, 1) + interval '1 month', case when m = 6 then ' partition by hash (id)' end);
      end loop;
    end $$;
    create table events_2026_06_h0 partition of events_2026_06 for values with (modulus 2, remainder 0);
    create table events_2026_06_h1 partition of events_2026_06 for values with (modulus 2, remainder 1);
    create table events_default partition of events default;
    insert into events (created_at, account, body)
      select date '2026-01-01' + (g % 400), g % 50, md5(g::text) from generate_series(1, ${seededRows}) g;
    create table audit (id bigserial primary key, event_id bigint, note text);
    analyze events;`);
}

interface Traffic extends ConcurrentWriters {
  /** Rows in events when the writers started. */
  readonly rowsBefore: number;
  /** Rows the writers inserted into events (committed). */
  inserted(): number;
}

/** The application: inserts across partitions, moves rows between them, and touches events and audit in both orders. */
async function startTraffic(db: TestDatabase): Promise<Traffic> {
  const [before] = await db.sql<{ n: number }[]>`select count(*)::int as n from events`;
  let inserted = 0;
  // Each writer updates its own seeded rows: two writers racing for one row that one of them moves to
  // another partition fail each other ("tuple to be locked was already moved to another partition"),
  // with or without a migration.
  const someId = (sql: postgres.Sql | postgres.TransactionSql, n: number) =>
    sql`(select floor(random() * ${seededRows / 3})::bigint * 3 + ${n + 1})`;
  const writers = startWriterLoops(db.url, 3, async (sql, n, i) => {
    switch (i % 4) {
      case 0:
        await sql`insert into events (created_at, account, body) values (date '2026-01-01' + (random() * 400)::int, ${n}, ${`w${n}-${i}`})`;
        inserted++;
        return;
      case 1:
        // Changes the partition key: the row moves to another month, or to the default partition.
        await sql`update events set created_at = created_at + 35 where id = ${someId(sql, n)}`;
        return;
      case 2:
        await sql.begin(async (tx) => {
          await tx`update events set account = account + 1 where id = ${someId(tx, n)}`;
          await tx`insert into audit (event_id, note) values (${i}, 'events then audit')`;
        });
        return;
      default:
        await sql.begin(async (tx) => {
          await tx`insert into audit (event_id, note) values (${i}, 'audit then events')`;
          await tx`update events set created_at = created_at - 35 where id = ${someId(tx, n)}`;
        });
    }
  });
  return { ...writers, rowsBefore: before?.n ?? 0, inserted: () => inserted };
}

/** Lets the application go on a little, stops it, and expects no error and no row lost or doubled. */
async function expectCalm(db: TestDatabase, label: string, traffic: Traffic): Promise<WriterReport> {
  await traffic.waitForOperations(20);
  const report = await traffic.stop();
  console.log(`${label}: ${report.operations} writes, worst latency ${report.maxLatencyMs.toFixed(0)} ms`);
  expect(report.errors).toEqual([]);
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from events`;
  expect(row?.n).toBe(traffic.rowsBefore + traffic.inserted());
  return report;
}

interface IndexTree {
  /** `partition < parent` for every partition of the table. */
  readonly tables: string[];
  /** `table of the index < table of its parent index` for every index attached under `index`. */
  readonly indexes: string[];
  readonly invalid: string[];
}

/** The partitions of `table`, and the indexes under `index` by the tables they are on: equal when every partition's index is attached where it belongs. */
async function indexTree(db: TestDatabase, table: string, index: string): Promise<IndexTree> {
  const tables = await db.sql<{ edge: string }[]>`
    with recursive tree as (
      select inhrelid as rel, inhparent as parent from pg_inherits where inhparent = ${table}::regclass
      union all select i.inhrelid, i.inhparent from pg_inherits i join tree t on i.inhparent = t.rel)
    select rel::regclass::text || ' < ' || parent::regclass::text as edge from tree order by 1`;
  const indexes = await db.sql<{ edge: string; valid: boolean; name: string }[]>`
    with recursive tree as (
      select inhrelid as rel, inhparent as parent from pg_inherits where inhparent = ${index}::regclass
      union all select i.inhrelid, i.inhparent from pg_inherits i join tree t on i.inhparent = t.rel)
    select x.indrelid::regclass::text || ' < ' || px.indrelid::regclass::text as edge, x.indisvalid as valid, t.rel::regclass::text as name
    from tree t join pg_index x on x.indexrelid = t.rel join pg_index px on px.indexrelid = t.parent order by 1`;
  const [root] = await db.sql<{ valid: boolean }[]>`select indisvalid as valid from pg_index where indexrelid = ${index}::regclass`;
  return {
    tables: tables.map((r) => r.edge),
    indexes: indexes.map((r) => r.edge),
    invalid: [...(root?.valid === true ? [] : [index]), ...indexes.filter((r) => !r.valid).map((r) => r.name)],
  };
}

async function indexNames(db: TestDatabase, like: string): Promise<string[]> {
  const rows = await db.sql<
    { name: string }[]
  >`select relname as name from pg_class where relkind in ('i', 'I') and relname like ${like} order by 1`;
  return rows.map((r) => r.name);
}

const spec = (operation: Record<string, unknown>) => parseSpec({ operations: [operation] }, 'test');

describe('create-index on a partitioned table, under writers', () => {
  const db = useTestDatabase('partitioned_indexes', { per: 'test' });

  it('builds every partition concurrently, attaches each where it belongs, and the table index ends valid', async () => {
    await createEvents(db.sql);
    const traffic = await startTraffic(db);
    await traffic.waitForOperations(10);
    const migration = spec({ op: 'create-index', table: 'events', columns: ['account'] });
    expect(await startMigration({ databaseUrl: db.url, spec: migration, options })).toMatchObject({ status: 'awaiting_contract' });
    expect(await completeMigration({ databaseUrl: db.url, migration: migration.name })).toMatchObject({ status: 'completed' });
    await expectCalm(db, 'create-index on a partitioned table', traffic);

    const tree = await indexTree(db, 'events', 'events_account_idx');
    expect(tree.tables).toHaveLength(15);
    expect(tree.indexes).toEqual(tree.tables);
    expect(tree.invalid).toEqual([]);
    expect(await indexNames(db, '%events_account_idx')).toContain('events_2026_06_h0_events_account_idx');
    // The planner uses it on every partition.
    await db.sql`set enable_seqscan = off`;
    const plan = await db.sql<{ 'QUERY PLAN': string }[]>`explain select * from events where account = 7`;
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).not.toMatch(/Seq Scan/);
    await db.sql`reset enable_seqscan`;

    // drop-index takes it away again, with every partition's index, under writers.
    const dropping = await startTraffic(db);
    const drop = spec({ op: 'drop-index', table: 'events', name: 'events_account_idx' });
    expect(await startMigration({ databaseUrl: db.url, spec: drop, options })).toMatchObject({ status: 'awaiting_contract' });
    expect(await completeMigration({ databaseUrl: db.url, migration: drop.name })).toMatchObject({ status: 'completed' });
    await expectCalm(db, 'drop-index on a partitioned table', dropping);
    expect(await indexNames(db, '%events_account_idx')).toEqual([]);
  });

  it('a unique index including the partition keys; rollback under writers leaves no index behind', async () => {
    await createEvents(db.sql);
    const traffic = await startTraffic(db);
    const migration = spec({
      op: 'create-index',
      table: 'events',
      columns: ['id', 'created_at', 'account'],
      unique: true,
      name: 'events_u',
    });
    expect(await startMigration({ databaseUrl: db.url, spec: migration, options })).toMatchObject({ status: 'awaiting_contract' });
    const tree = await indexTree(db, 'events', 'events_u');
    expect(tree.indexes).toEqual(tree.tables);
    expect(tree.invalid).toEqual([]);
    const [unique] = await db.sql<
      { unique: boolean }[]
    >`select indisunique as unique from pg_index where indexrelid = 'events_u'::regclass`;
    expect(unique?.unique).toBe(true);

    expect(await rollbackMigration({ databaseUrl: db.url, migration: migration.name })).toMatchObject({ status: 'rolled_back' });
    await expectCalm(db, 'create-index unique, rolled back', traffic);
    expect(await indexNames(db, '%events_u')).toEqual([]);
  });

  it('refuses a unique index without every partition key column (sub-partitions too), naming the missing ones', async () => {
    await createEvents(db.sql);
    await expectOnlineError(
      startMigration({ databaseUrl: db.url, spec: spec({ op: 'create-index', table: 'events', columns: ['account'], unique: true }) }),
      PreflightError,
      {
        exitCode: 2,
        message:
          /unique index events_account_idx must include every partition key column as a key column, and lacks created_at \(partition key of public\.events\), id \(partition key of public\.events_2026_06\)/,
      },
    );
    await expectOnlineError(
      startMigration({ databaseUrl: db.url, spec: spec({ op: 'add-unique', table: 'events', columns: ['created_at', 'account'] }) }),
      PreflightError,
      { exitCode: 2, message: /unique constraint events_created_at_account_key .* lacks id \(partition key of public\.events_2026_06\)/ },
    );
    expect(await indexNames(db, '%account%')).toEqual([]);
  });
  it('refuses a table with a foreign-table partition, whose partitioned index could never become valid', async () => {
    await db.sql.unsafe(`
      create foreign data wrapper no_handler;
      create server nowhere foreign data wrapper no_handler;
      create table readings (day date not null, v int) partition by range (day);
      create table readings_2026 partition of readings for values from ('2026-01-01') to ('2027-01-01');
      create foreign table readings_old partition of readings for values from ('2000-01-01') to ('2026-01-01') server nowhere;`);
    for (const op of ['create-index', 'add-unique']) {
      await expectOnlineError(
        startMigration({ databaseUrl: db.url, spec: spec({ op, table: 'readings', columns: ['day', 'v'] }) }),
        PreflightError,
        {
          exitCode: 2,
          message:
            /public\.readings has foreign-table partitions \(public\.readings_old\): PostgreSQL cannot index a foreign table, so the partitioned index could never become valid/,
        },
      );
    }
    expect(await indexNames(db, 'readings%')).toEqual([]);
  });
});

describe('add-unique on a partitioned table', () => {
  const db = useTestDatabase('partitioned_unique', { per: 'test' });

  it('unique per leaf concurrently, each leaf its constraint, then the table constraint attaches them all', async () => {
    await createEvents(db.sql);
    const traffic = await startTraffic(db);
    const migration = spec({ op: 'add-unique', table: 'events', columns: ['account', 'id', 'created_at'], name: 'events_account_key' });
    expect(await startMigration({ databaseUrl: db.url, spec: migration, options })).toMatchObject({ status: 'awaiting_contract' });
    expect(await completeMigration({ databaseUrl: db.url, migration: migration.name })).toMatchObject({ status: 'completed' });
    await expectCalm(db, 'add-unique on a partitioned table', traffic);

    const tree = await indexTree(db, 'events', 'events_account_key');
    expect(tree.indexes).toEqual(tree.tables);
    expect(tree.invalid).toEqual([]);
    // Every partition's constraint is the table constraint's partition, backed by that partition's index.
    const constraints = await db.sql<{ table: string; parent: string | null; backed: boolean }[]>`
      select c.conrelid::regclass::text as table, p.conrelid::regclass::text as parent,
             exists (select from pg_index x where x.indexrelid = c.conindid and x.indrelid = c.conrelid and x.indisvalid) as backed
      from pg_constraint c left join pg_constraint p on p.oid = c.conparentid
      where c.contype = 'u' and (c.conname = 'events_account_key' or c.conname like '%_events_account_key') order by 1`;
    expect(constraints).toHaveLength(16);
    expect(constraints.filter((c) => c.table !== 'events').every((c) => c.parent !== null && c.backed)).toBe(true);
    expect(constraints.map((c) => (c.parent === null ? c.table : `${c.table} < ${c.parent}`)).filter((e) => e !== 'events')).toEqual(
      tree.tables,
    );
  });

  it('fails on duplicates with samples and no invalid index; rollback leaves nothing behind', async () => {
    await db.sql.unsafe(`
      create table tags (day date not null, label text not null, n int) partition by range (day);
      create table tags_2026_01 partition of tags for values from ('2026-01-01') to ('2026-02-01');
      create table tags_2026_02 partition of tags for values from ('2026-02-01') to ('2026-03-01');
      create table tags_default partition of tags default;
      insert into tags select date '2026-01-01' + (g % 70), 'l' || g, g from generate_series(1, 700) g;
      insert into tags values ('2026-02-03', 'l1', 0), ('2026-02-03', 'l1', 0), ('2026-03-10', 'zz', 0), ('2026-03-10', 'zz', 0);`);
    const migration = spec({ op: 'add-unique', table: 'tags', columns: ['day', 'label'] });
    const error = await expectOnlineError(startMigration({ databaseUrl: db.url, spec: migration, options }), DataViolationError, {
      exitCode: 1,
    });
    expect(error.kind).toBe('duplicates');
    expect(error.samples).toEqual([{ day: '2026-02-03', label: 'l1', count: '2' }]);
    const [status] = await migrationStatus({ databaseUrl: db.url, migration: migration.name });
    expect(status).toMatchObject({ state: 'failed', phase: 'expand', error: { code: 'DATA_VIOLATION' } });
    const invalid = await db.sql`select 1 from pg_index where not indisvalid`;
    expect(invalid).toHaveLength(0);

    expect(await rollbackMigration({ databaseUrl: db.url, migration: migration.name })).toMatchObject({ status: 'rolled_back' });
    expect(await indexNames(db, '%tags%')).toEqual([]);
  });
});

/** The advisory lock of gated_digest (test/support/gated-index-build.ts): held, a leaf's build stops in its table scan. */
const gate = 4_343;

describe('create-index on a partitioned table killed mid-build', severalCliRuns, () => {
  const db = useTestDatabase('partitioned_index_killed');
  let gateHolder: { release(): Promise<void> } | undefined;
  afterEach(async () => {
    killWatchedRuns();
    await gateHolder?.release();
    gateHolder = undefined;
  });

  it('after kill -9, resume drops the leaf leftover, never the ON ONLY indexes, and ends with everything attached and valid', async () => {
    await createEvents(db.sql);
    await createGatedDigest(db.sql, gate);
    const name = 'events_digest_idx';
    const migration = `create-index-events-${name}`;
    const closed = await holdLock(db.url, `select pg_advisory_lock(${gate})`);
    gateHolder = closed;
    const args = ['start', 'create-index', '--table', 'events', '--expression', 'gated_digest(body)', '--name', name, '--json'];
    const run = watchCli(args, db.url);
    await run.until((events) => indexProgress(events).some(scanningTable));
    expect(indexProgress(run.events()).find(scanningTable)).toMatchObject({ migration, index: `events_2026_01_${name}` });
    run.child.kill('SIGKILL');
    await run.exited;
    expect(run.child.signalCode).toBe('SIGKILL');
    await endOrphanedBuilds(db);

    // Left behind: the table's and June's ON ONLY indexes (invalid by design) and January's INVALID leftover.
    const oids = async () =>
      db.sql<{ name: string; oid: number; valid: boolean }[]>`
        select c.relname as name, c.oid::int as oid, x.indisvalid as valid from pg_class c join pg_index x on x.indexrelid = c.oid
        where c.relname in (${name}, ${`events_2026_06_${name}`}, ${`events_2026_01_${name}`}) order by 1`;
    const before = await oids();
    expect(before.map(({ name, valid }) => ({ name, valid }))).toEqual([
      { name: `events_2026_01_${name}`, valid: false },
      { name: `events_2026_06_${name}`, valid: false },
      { name, valid: false },
    ]);

    const traffic = await startTraffic(db);
    const resumed = watchCli(['resume', migration, '--json'], db.url);
    await resumed.until((events) => indexProgress(events).some(scanningTable));
    await traffic.waitForOperations(50);
    await closed.release();
    expect((await resumed.exited).code).toBe(0);
    expect(resumed.stderr()).toBe('');
    await expectCalm(db, 'partitioned create-index resumed after kill -9', traffic);
    const warnings = resumed.events().filter((e) => e.type === 'warning');
    expect(warnings).toEqual([
      {
        type: 'warning',
        message: `index events_2026_01_${name} is INVALID (left by an interrupted or failed build); dropping it concurrently and building it again`,
      },
    ]);

    // The ON ONLY indexes are the very ones start made (same oids); January's was rebuilt.
    const after = await oids();
    expect(after.find((i) => i.name === name)?.oid).toBe(before.find((i) => i.name === name)?.oid);
    expect(after.find((i) => i.name === `events_2026_06_${name}`)?.oid).toBe(before.find((i) => i.name === `events_2026_06_${name}`)?.oid);
    expect(after.find((i) => i.name === `events_2026_01_${name}`)?.oid).not.toBe(
      before.find((i) => i.name === `events_2026_01_${name}`)?.oid,
    );
    const tree = await indexTree(db, 'events', name);
    expect(tree.indexes).toEqual(tree.tables);
    expect(tree.invalid).toEqual([]);
    expect(await completeMigration({ databaseUrl: db.url, migration })).toMatchObject({ status: 'completed' });
  });

  it('after kill -9 mid-build, rollback under writers removes the ON ONLY indexes and the leftover: no index behind', async () => {
    const name = 'events_account_digest_idx';
    const closed = await holdLock(db.url, `select pg_advisory_lock(${gate})`);
    gateHolder = closed;
    const args = ['start', 'create-index', '--table', 'events', '--expression', 'gated_digest(account::text)', '--name', name, '--json'];
    const run = watchCli(args, db.url);
    await run.until((events) => indexProgress(events).some(scanningTable));
    run.child.kill('SIGKILL');
    await run.exited;
    await endOrphanedBuilds(db);
    await closed.release();
    expect(await indexNames(db, `%${name}`)).toEqual([`events_2026_01_${name}`, `events_2026_06_${name}`, name]);

    const traffic = await startTraffic(db);
    expect(await rollbackMigration({ databaseUrl: db.url, migration: `create-index-events-${name}` })).toMatchObject({
      status: 'rolled_back',
    });
    await expectCalm(db, 'partitioned create-index rolled back after kill -9', traffic);
    expect(await indexNames(db, `%${name}`)).toEqual([]);
  });
});

// What the plans rely on, asked of the server the tests run on (PostgreSQL 14, 15, 17 and 18 checked).
describe('PostgreSQL behaviour the partitioned plans rely on', () => {
  const db = useTestDatabase('partitioned_index_facts', { per: 'test' });

  /** Runs `statements` in a transaction and returns the relation locks it holds at the end, then rolls back. */
  async function locksOf(statements: string[]): Promise<string[]> {
    const conn = await db.sql.reserve();
    try {
      await conn`begin`;
      for (const statement of statements) await conn.unsafe(statement);
      const rows = await conn<{ lock: string }[]>`
        select l.relation::regclass::text || ' ' || l.mode as lock from pg_locks l
        where l.pid = pg_backend_pid() and l.locktype = 'relation' and l.relation >= 16384 order by 1`;
      return rows.map((r) => r.lock);
    } finally {
      await conn`rollback`;
      conn.release();
    }
  }

  const tree = `
    create table ev (id bigint not null, created date not null, v int) partition by range (created);
    create table ev_01 partition of ev for values from ('2026-01-01') to ('2026-02-01');
    create table ev_02 partition of ev for values from ('2026-02-01') to ('2026-03-01') partition by range (id);
    create table ev_02a partition of ev_02 for values from (0) to (1000);
    create table ev_02b partition of ev_02 for values from (1000) to (maxvalue);
    insert into ev select g, date '2026-01-01' + (g % 50), g from generate_series(1, 2000) g;`;

  it('ON ONLY takes SHARE on the table alone; ATTACH takes no table lock that stops writes; attaching twice does nothing', async () => {
    await db.sql.unsafe(tree);
    expect(await locksOf(['create index ev_v on only ev (v)'])).toEqual(['ev ShareLock', 'ev_v AccessExclusiveLock']);
    await db.sql.unsafe(`
      create index ev_v on only ev (v); create index ev_02_v on only ev_02 (v);
      create index ev_01_v on ev_01 (v); create index ev_02a_v on ev_02a (v); create index ev_02b_v on ev_02b (v);`);
    expect(await locksOf(['alter index ev_v attach partition ev_01_v'])).toEqual([
      'ev AccessShareLock',
      'ev_01 AccessShareLock',
      'ev_01_v AccessExclusiveLock',
      'ev_v ShareUpdateExclusiveLock',
    ]);
    // A sub-partitioned partition's index attached before its own partitions' is accepted; the table's
    // turns valid once the last one below is attached.
    await db.sql.unsafe(`alter index ev_v attach partition ev_01_v; alter index ev_v attach partition ev_02_v;
                         alter index ev_02_v attach partition ev_02a_v; alter index ev_02_v attach partition ev_02a_v;`);
    const valid = async () =>
      db.sql<{ name: string; valid: boolean }[]>`select indexrelid::regclass::text as name, indisvalid as valid from pg_index
        where indexrelid::regclass::text in ('ev_v', 'ev_02_v') order by 1`;
    expect(await valid()).toEqual([
      { name: 'ev_02_v', valid: false },
      { name: 'ev_v', valid: false },
    ]);
    await db.sql`alter index ev_02_v attach partition ev_02b_v`;
    expect(await valid()).toEqual([
      { name: 'ev_02_v', valid: true },
      { name: 'ev_v', valid: true },
    ]);
    // Dropping it locks every partition: what create-index's rollback takes, briefly.
    expect((await locksOf(['drop index ev_v'])).filter((l) => /^ev(_0\w+)? AccessExclusiveLock$/.test(l))).toEqual([
      'ev AccessExclusiveLock',
      'ev_01 AccessExclusiveLock',
      'ev_02 AccessExclusiveLock',
      'ev_02a AccessExclusiveLock',
      'ev_02b AccessExclusiveLock',
    ]);
  });

  it('USING INDEX is refused on a partitioned table; ADD CONSTRAINT UNIQUE attaches the partitions’ constraints without reading a row', async () => {
    await db.sql.unsafe(tree);
    await db.sql.unsafe(`create unique index ev_k on ev (id, created)`);
    await expect(db.sql.unsafe(`alter table ev add constraint ev_k_c unique using index ev_k`)).rejects.toThrow(
      'ALTER TABLE / ADD CONSTRAINT USING INDEX is not supported on partitioned tables',
    );
    await db.sql.unsafe(`drop index ev_k`);
    for (const leaf of ['ev_01', 'ev_02a', 'ev_02b']) {
      await db.sql.unsafe(
        `create unique index ${leaf}_k on ${leaf} (id, created); alter table ${leaf} add constraint ${leaf}_k unique using index ${leaf}_k`,
      );
    }
    const conn = await db.sql.reserve();
    try {
      await conn`begin`;
      const files = () =>
        conn<
          { file: string }[]
        >`select relfilenode::text as file from pg_class where relname in ('ev_01_k', 'ev_02a_k', 'ev_02b_k') order by relname`;
      const scans = () =>
        conn<
          { scans: string }[]
        >`select coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0)::text as scans from pg_stat_xact_user_tables where relname like 'ev%'`;
      const [filesBefore, scansBefore] = [await files(), await scans()];
      await conn`alter table ev add constraint ev_k unique (id, created)`;
      expect(await files()).toEqual(filesBefore);
      expect(await scans()).toEqual(scansBefore);
      const locks = await conn<{ lock: string }[]>`
        select l.relation::regclass::text || ' ' || l.mode as lock from pg_locks l
        where l.pid = pg_backend_pid() and l.locktype = 'relation' and l.relation::regclass::text in ('ev', 'ev_01', 'ev_02', 'ev_02a', 'ev_02b') order by 1`;
      // PostgreSQL 18 takes ACCESS EXCLUSIVE on the partitions too (partitionLockOfAddUnique).
      const [server] = await conn<{ version: number }[]>`select current_setting('server_version_num')::int as version`;
      const mode = partitionLockOfAddUnique(server?.version ?? 0) === 'share' ? [] : ['AccessExclusiveLock'];
      expect(locks.map((l) => l.lock)).toEqual([
        'ev AccessExclusiveLock',
        'ev ShareLock',
        ...['ev_01', 'ev_02', 'ev_02a', 'ev_02b'].flatMap((p) => [...mode.map((m) => `${p} ${m}`), `${p} ShareLock`]),
      ]);
      await conn`commit`;
    } finally {
      conn.release();
    }
    const attached = await db.sql<{ name: string; parent: string }[]>`
      select c.conname as name, p.conname as parent from pg_constraint c join pg_constraint p on p.oid = c.conparentid where c.conname like 'ev_0%_k' order by 1`;
    expect(attached).toEqual([
      { name: 'ev_01_k', parent: 'ev_k' },
      { name: 'ev_02a_k', parent: expect.stringMatching(/^ev_02_/) as unknown as string },
      { name: 'ev_02b_k', parent: expect.stringMatching(/^ev_02_/) as unknown as string },
    ]);
  });
});
