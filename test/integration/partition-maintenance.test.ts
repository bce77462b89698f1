// attach-partition, create-partition and detach-partition on a table partitioned by month (12 monthly
// partitions and a default one), through their lifecycle under application writers: inserts across
// partitions, updates that move rows between partitions, transactions touching two tables in both orders.
import type postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completeMigration, parseSpec, rollbackMigration, startMigration, type MigrationSpec, type OnlineEvent } from '../../src/index.js';
import { detachPartition, detachPartitionSpec } from '../../src/operations/detach-partition.js';
import { startWriterLoops, type ConcurrentWriters } from '../support/concurrent-writers.js';
import { contrastHoldMs, holdLock, releaseAfter } from '../support/held-lock.js';
import { recordLockRetries } from '../support/lock-retry-recorder.js';
import { preflightRefusal } from '../support/preflight-refusal.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { tableReads, VersionServer } from '../support/version-server.js';
import { eventually, killWatchedRuns, watchCli } from '../support/watched-cli.js';

const lockTimeoutMs = 500;
const options = { lockTimeoutMs };

/** `table` partitioned by month over 2025 (12 partitions), with a default partition holding 2027 rows when `withDefault`. */
function monthlySetup(table: string, withDefault: boolean): string {
  return `
    create table if not exists ref (id int primary key);
    insert into ref select generate_series(1, 10) on conflict do nothing;
    create table if not exists audit (id bigserial primary key, note text not null);
    create table ${table} (id bigint not null, created_at date not null, region text, ref_id int references ref(id),
      payload text default 'x', primary key (id, created_at)) partition by range (created_at);
    create index on ${table} (region);
    do $$ begin for m in 1..12 loop
      execute format('create table %I partition of ${table} for values from (%L) to (%L)', '${table}_2025_' || lpad(m::text, 2, '0'),
                     make_date(2025, m, 1), make_date(2025, m, 1) + interval '1 month');
    end loop; end $$;
    ${withDefault ? `create table ${table}_default partition of ${table} default;` : ''}
    insert into ${table} select g, date '2025-01-01' + (g % 365), 'eu', 1 + g % 10 from generate_series(1, 3000) g;
    ${withDefault ? `insert into ${table} select 5000 + g, date '2027-01-01' + g, 'us', 1 from generate_series(1, 30) g;` : ''}`;
}

/** A table shaped like the parent, standalone, with `rows` rows of January 2026: what attach-partition attaches. */
const january2026 = (table: string, rows: number): string => `
  create table ${table}_2026_01 (like ${table} including defaults including constraints);
  insert into ${table}_2026_01 select 100000 + g, date '2026-01-01' + (g % 31), 'us', 2 from generate_series(1, ${rows}) g;`;

/** Each application's inserts get their own id range. */
let applications = 0;

/**
 * The application: inserts across the 2025 partitions (and into the default partition's 2027 rows),
 * updates that move rows to another month, and transactions that touch `audit` and the table in both
 * orders. Every insert it made is remembered, to check none was lost.
 */
function application(url: string, table: string, withDefault: boolean, skipMonth = 0): ConcurrentWriters & { inserted: () => number[] } {
  const inserted: number[] = [];
  const base = 10_000_000 * ++applications;
  const writers = startWriterLoops(url, 3, async (sql, n, i) => {
    const id = base + n * 1_000_000 + i;
    const moved = 1 + ((i * 7919 + n) % 3000);
    switch (i % 5) {
      case 0: {
        const month = 1 + (i % 12) === skipMonth ? 1 + ((i + 1) % 12) : 1 + (i % 12);
        const day = withDefault && i % 10 === 0 ? '2027-06-01' : `2025-${String(month).padStart(2, '0')}-15`;
        await sql`insert into ${sql(table)} (id, created_at, region, ref_id) values (${id}, ${day}, 'eu', ${1 + (i % 10)})`;
        inserted.push(id);
        return;
      }
      case 1:
        // Moves the row to another month (another partition), and back the next time.
        await sql`update ${sql(table)} set created_at = case when created_at < '2025-07-01' then created_at + 180 else created_at - 180 end
                  where id = ${moved} and extract(month from case when created_at < '2025-07-01' then created_at + 180 else created_at - 180 end) <> ${skipMonth}`;
        return;
      case 2:
        return sql.begin(async (tx) => {
          await tx`insert into audit (note) values (${`touch ${moved}`})`;
          await tx`update ${tx(table)} set payload = ${`w${n}`} where id = ${moved}`;
        });
      case 3:
        return sql.begin(async (tx) => {
          await tx`update ${tx(table)} set payload = ${`w${n}`} where id = ${moved}`;
          await tx`insert into audit (note) values (${`touch ${moved}`})`;
        });
      default:
        await sql`select count(*) from ${sql(table)} where region = 'eu'`;
    }
  });
  return { ...writers, inserted: () => [...inserted] };
}

async function stopCalm(writers: ConcurrentWriters & { inserted: () => number[] }, sql: postgres.Sql, table: string): Promise<void> {
  await writers.waitForOperations(30);
  const report = await writers.stop();
  expect(report.errors).toEqual([]);
  const ids = writers.inserted();
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(table)} where id = any(${ids})`;
  expect(row?.n).toBe(ids.length);
}

const spec = (operation: Record<string, unknown>): MigrationSpec => parseSpec({ operations: [operation] }, 'test');

describe('partition maintenance', () => {
  const db = useTestDatabase('partition_maint');
  afterEach(killWatchedRuns);

  /** The parent's indexes and how many of them have an index of `partition` attached. */
  async function attachedIndexes(parent: string, partition: string): Promise<{ parent: number; attached: number }> {
    const [row] = await db.sql<{ parent: number; attached: number }[]>`
      select (select count(*)::int from pg_index where indrelid = ${parent}::regclass) as parent,
             (select count(*)::int from pg_index i join pg_inherits h on h.inhrelid = i.indexrelid
              where i.indrelid = ${partition}::regclass and h.inhparent in (select indexrelid from pg_index where indrelid = ${parent}::regclass)) as attached`;
    return row ?? { parent: -1, attached: -1 };
  }

  async function partitionOf(table: string): Promise<{ parent: string | null; pending: boolean | null }> {
    const [row] = await db.sql<{ parent: string | null; pending: boolean | null }[]>`
      select (select inhparent::regclass::text from pg_inherits where inhrelid = to_regclass(${table})) as parent,
             (select inhdetachpending from pg_inherits where inhrelid = to_regclass(${table})) as pending`;
    return row ?? { parent: null, pending: null };
  }

  /** The helper checks (`…_online_…`) on tables whose names start with `prefix`. */
  async function helperConstraints(prefix: string): Promise<string[]> {
    const rows = await db.sql<{ name: string }[]>`
      select conname as name from pg_constraint where conname like '%online%' and conrelid::regclass::text like ${`${prefix}%`} order by 1`;
    return rows.map((r) => r.name);
  }

  describe('attach-partition', () => {
    beforeAll(async () => {
      await db.sql.unsafe(monthlySetup('events', true));
      await db.sql.unsafe(january2026('events', 500));
    });
    const attach = spec({
      op: 'attach-partition',
      table: 'events',
      partition: 'events_2026_01',
      bound: "for values from ('2026-01-01') to ('2026-02-01')",
    });

    it(
      'start (a lock held on the default partition: writers wait about lock_timeout, not for the holder) → rollback → start → complete',
      severalCliRuns,
      async () => {
        const writers = application(db.url, 'events', true);
        const held = await holdLock(db.url, 'select count(*) from events_default');
        const recorder = recordLockRetries();
        const released = releaseAfter(held, recorder.first, contrastHoldMs);
        await startMigration({ databaseUrl: db.url, spec: attach, options, onEvent: recorder.onEvent });
        const heldMs = await released;
        console.log(`attach expand: ${recorder.retries.length} lock retries while events_default was held ${heldMs.toFixed(0)} ms`);
        expect(recorder.retries.length).toBeGreaterThan(0);
        await writers.waitForOperations(30);
        const first = await writers.stop();
        expect(first.errors).toEqual([]);
        // The writers into the default partition queued behind our retried DDL at most about lock_timeout.
        expect(first.maxLatencyMs).toBeLessThan(contrastHoldMs / 2);
        expect(await helperConstraints('events')).toEqual(['events_2026_01_online_bound', 'events_default_online_not_events_2026_01']);

        const again = application(db.url, 'events', true);
        expect(await rollbackMigration({ databaseUrl: db.url, migration: attach.name })).toMatchObject({ status: 'rolled_back' });
        expect(await helperConstraints('events')).toEqual([]);
        const [bare] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_index where indrelid = 'events_2026_01'::regclass`;
        expect(bare?.n).toBe(0);
        await startMigration({ databaseUrl: db.url, spec: attach, options });
        await completeMigration({ databaseUrl: db.url, migration: attach.name });
        await stopCalm(again, db.sql, 'events');

        expect(await partitionOf('events_2026_01')).toEqual({ parent: 'events', pending: false });
        expect(await attachedIndexes('events', 'events_2026_01')).toEqual({ parent: 2, attached: 2 });
        expect(await helperConstraints('events')).toEqual([]);
        const [fk] = await db.sql<{ merged: boolean }[]>`
        select conparentid <> 0 as merged from pg_constraint where conrelid = 'events_2026_01'::regclass and contype = 'f'`;
        expect(fk?.merged).toBe(true);
        const [rows] = await db.sql<
          { n: number }[]
        >`select count(*)::int as n from events where created_at >= '2026-01-01' and created_at < '2026-02-01'`;
        expect(rows?.n).toBe(500);
      },
    );
  });

  describe("while the default partition's check is in force", () => {
    beforeAll(async () => {
      await db.sql.unsafe(monthlySetup('orders', true));
      await db.sql.unsafe(january2026('orders', 50));
    });

    it('an insert of the new range into the default partition fails with the check named (what ATTACH would require anyway); after the attach it lands in the new partition', async () => {
      const attach = spec({
        op: 'attach-partition',
        table: 'orders',
        partition: 'orders_2026_01',
        bound: "for values from ('2026-01-01') to ('2026-02-01')",
      });
      await startMigration({ databaseUrl: db.url, spec: attach, options });
      const refused = await db.sql`insert into orders (id, created_at) values (900001, '2026-01-20')`.catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: '23514', constraint_name: 'orders_default_online_not_orders_2026_01' });
      await db.sql`insert into orders (id, created_at) values (900002, '2027-03-01')`;
      await completeMigration({ databaseUrl: db.url, migration: attach.name });
      await db.sql`insert into orders (id, created_at) values (900001, '2026-01-20')`;
      const [row] = await db.sql<{ part: string }[]>`select tableoid::regclass::text as part from orders where id = 900001`;
      expect(row?.part).toBe('orders_2026_01');
    });
  });

  describe('create-partition', () => {
    beforeAll(async () => {
      await db.sql.unsafe(monthlySetup('tickets_log', true));
    });
    const create = spec({
      op: 'create-partition',
      table: 'tickets_log',
      partition: 'tickets_log_2026_02',
      bound: "for values from ('2026-02-01') to ('2026-03-01')",
    });

    it('start → rollback (drops the table) → start → complete under writers: every parent index attached', severalCliRuns, async () => {
      const writers = application(db.url, 'tickets_log', true);
      await startMigration({ databaseUrl: db.url, spec: create, options });
      expect(await partitionOf('tickets_log_2026_02')).toEqual({ parent: null, pending: null });
      expect(await rollbackMigration({ databaseUrl: db.url, migration: create.name })).toMatchObject({ status: 'rolled_back' });
      const [gone] = await db.sql<{ exists: boolean }[]>`select to_regclass('tickets_log_2026_02') is not null as exists`;
      expect(gone?.exists).toBe(false);
      await startMigration({ databaseUrl: db.url, spec: create, options });
      await completeMigration({ databaseUrl: db.url, migration: create.name });
      await stopCalm(writers, db.sql, 'tickets_log');
      expect(await partitionOf('tickets_log_2026_02')).toEqual({ parent: 'tickets_log', pending: false });
      expect(await attachedIndexes('tickets_log', 'tickets_log_2026_02')).toEqual({ parent: 2, attached: 2 });
      await db.sql`insert into tickets_log (id, created_at, ref_id) values (1, '2026-02-14', 3)`;
      const [row] = await db.sql<
        { part: string }[]
      >`select tableoid::regclass::text as part from tickets_log where created_at = '2026-02-14'`;
      expect(row?.part).toBe('tickets_log_2026_02');
    });
  });

  describe('detach-partition', () => {
    beforeAll(async () => {
      await db.sql.unsafe(monthlySetup('metrics', true));
      await db.sql.unsafe(monthlySetup('logs', false));
    });

    it(
      'with a default partition: a plain DETACH under lock_timeout, start → rollback → start → complete under writers',
      severalCliRuns,
      async () => {
        const detach = spec({ op: 'detach-partition', table: 'metrics', partition: 'metrics_2025_03' });
        const writers = application(db.url, 'metrics', true);
        const warnings: string[] = [];
        const onEvent = (e: OnlineEvent): void => {
          if (e.type === 'warning') warnings.push(e.message);
        };
        await startMigration({ databaseUrl: db.url, spec: detach, options, onEvent });
        expect(await rollbackMigration({ databaseUrl: db.url, migration: detach.name })).toMatchObject({ status: 'rolled_back' });
        await startMigration({ databaseUrl: db.url, spec: detach, options });
        expect(await partitionOf('metrics_2025_03')).toEqual({ parent: 'metrics', pending: false });
        await completeMigration({ databaseUrl: db.url, migration: detach.name });
        // March rows written from now on go to the default partition: the writers see no error.
        await stopCalm(writers, db.sql, 'metrics');
        expect(await partitionOf('metrics_2025_03')).toEqual({ parent: null, pending: null });
        const [kept] = await db.sql<{ n: number }[]>`select count(*)::int as n from metrics_2025_03`;
        expect(kept?.n).toBeGreaterThan(0);
        expect(warnings.join('\n')).toMatch(/PostgreSQL refuses DETACH … CONCURRENTLY then, so a plain DETACH runs/);
      },
    );

    it(
      'concurrently: killed (SIGKILL) while it waits for an old transaction, the partition stays detach pending; complete finishes it with FINALIZE',
      severalCliRuns,
      async () => {
        // The application stops writing February before the detach (no partition takes those rows after it).
        const writers = application(db.url, 'logs', false, 2);
        // A reader that started before the detach: the second half of DETACH … CONCURRENTLY waits for it.
        const reader = await holdLock(db.url, 'select count(*) from logs');
        const run = watchCli(
          ['start', 'detach-partition', '--table', 'logs', '--partition', 'logs_2025_02', '--complete', '--json'],
          db.url,
        );
        await eventually(
          () => partitionOf('logs_2025_02'),
          (p) => p.pending === true,
        );
        run.child.kill('SIGKILL');
        await run.exited;
        // Its backend notices the vanished client (client_connection_check_interval) and ends the wait.
        await eventually(
          async () =>
            (
              await db.sql<
                { n: number }[]
              >`select count(*)::int as n from pg_stat_activity where query ilike '%detach partition%concurrently%' and pid <> pg_backend_pid()`
            )[0]?.n,
          (n) => n === 0,
        );
        await reader.release();
        expect(await partitionOf('logs_2025_02')).toEqual({ parent: 'logs', pending: true });
        const finished = await runCli(['complete', 'detach-partition-logs-logs_2025_02'], db.url);
        expect(finished.stderr).toBe('');
        expect(finished.code).toBe(0);
        expect(await partitionOf('logs_2025_02')).toEqual({ parent: null, pending: null });
        const [steps] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from online_migrate.steps where migration = 'detach-partition-logs-logs_2025_02' and phase = 'contract'`;
        expect(steps?.n).toBe(2);
        // February rows now have no partition: the writers above never wrote any.
        await stopCalm(writers, db.sql, 'logs');
      },
    );
  });

  describe('pre-flight refusals exit 2 and change nothing', () => {
    beforeAll(async () => {
      await db.sql.unsafe(monthlySetup('sales', true));
      await db.sql.unsafe(`
        create table sales_missing (like sales including defaults including constraints);
        alter table sales_missing drop column payload;
        create table sales_extra (like sales including defaults including constraints);
        alter table sales_extra add column extra int;
        create table sales_types (like sales including defaults including constraints);
        alter table sales_types alter column region type varchar(10);
        create table sales_ok (like sales including defaults including constraints);
        create foreign data wrapper online_test_fdw;
        create server online_test_server foreign data wrapper online_test_fdw;
        create foreign table sales_remote (id bigint not null, created_at date not null, region text, ref_id int, payload text) server online_test_server;`);
    });
    const attach = (partition: string, bound: string) => ({ op: 'attach-partition', table: 'sales', partition, bound });

    it.each([
      ['a bound that is not one', attach('sales_ok', 'default; drop table sales'), /bound must be one partition bound/],
      [
        'a value of the wrong type',
        attach('sales_ok', "for values from ('2026-13-01') to ('2026-14-01')"),
        /date\/time field value out of range|invalid input syntax for type date/,
      ],
      [
        'an overlapping bound',
        attach('sales_ok', "for values from ('2025-03-15') to ('2025-04-15')"),
        /would overlap partition "online_partition_probe_/,
      ],
      ['a second default', attach('sales_ok', 'default'), /conflicts with existing default partition/],
      [
        'a list bound on a range-partitioned table',
        attach('sales_ok', "for values in ('x')"),
        /partitioned by RANGE \(created_at\): a list bound does not fit it/,
      ],
      ['a missing column', attach('sales_missing', "for values from ('2026-01-01') to ('2026-02-01')"), /column payload is missing/],
      ['an extra column', attach('sales_extra', "for values from ('2026-01-01') to ('2026-02-01')"), /column extra is not in the parent/],
      [
        'a column of another type',
        attach('sales_types', "for values from ('2026-01-01') to ('2026-02-01')"),
        /column region is character varying\(10\), the parent's is text/,
      ],
      ['a foreign table', attach('sales_remote', "for values from ('2026-01-01') to ('2026-02-01')"), /sales_remote is a foreign table/],
      [
        'a table already a partition',
        attach('sales_2025_01', "for values from ('2026-01-01') to ('2026-02-01')"),
        /already a partition of public\.sales/,
      ],
      [
        'a partition name taken',
        { op: 'create-partition', table: 'sales', partition: 'sales_ok', bound: 'default' },
        /sales_ok already exists/,
      ],
      [
        'a detach of a table that is no partition',
        { op: 'detach-partition', table: 'sales', partition: 'sales_ok' },
        /sales_ok is not a partition of public\.sales/,
      ],
    ])('%s', async (_case, operation, message) => {
      await preflightRefusal(db.url, operation, options, { message });
      expect(await helperConstraints('sales')).toEqual([]);
      expect(await partitionOf('sales_ok')).toEqual({ parent: null, pending: null });
    });

    it('a concurrent detach on PostgreSQL before 14 is refused, naming the version', async () => {
      await db.sql.unsafe(
        'create table if not exists plain_parts (id int not null) partition by range (id); create table if not exists plain_parts_1 partition of plain_parts for values from (1) to (10)',
      );
      const detach = detachPartitionSpec.parse({ op: 'detach-partition', table: 'plain_parts', partition: 'plain_parts_1' });
      await expect(detachPartition.prepare({ sql: db.sql, serverVersionNum: 130012 }, detach)).rejects.toThrow(
        /DETACH PARTITION … CONCURRENTLY needs PostgreSQL 14 or later; this server is 13/,
      );
    });
  });
});

describe.each([14, 17] as const)('attach-partition on PostgreSQL %i: ATTACH skips both scans (DEBUG1 says why)', (major) => {
  const server = new VersionServer(major);
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it(
    'the partition constraint and the default partition’s new constraint are implied by the validated checks',
    severalCliRuns,
    async () => {
      const database = await server.database('attach_debug', monthlySetup('events', true) + january2026('events', 200), { debugLog: true });
      const args = [
        'start',
        'attach-partition',
        '--table',
        'events',
        '--partition',
        'events_2026_01',
        '--bound',
        "for values from ('2026-01-01') to ('2026-02-01')",
        '--complete',
      ];
      const result = await runCli(args, database.url);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const lines = server.onlineLog(database);
      expect(lines.some((l) => /partition constraint for table "events_2026_01" is implied by existing constraints/.test(l))).toBe(true);
      expect(
        lines.some((l) => /updated partition constraint for default partition "events_default" is implied by existing constraints/.test(l)),
      ).toBe(true);
      expect(tableReads(lines).filter((r) => /attach partition/i.test(r.statement))).toEqual([]);
    },
  );

  it.each([
    [
      'list, NULL listed, with a default partition',
      `create table regions (id int not null, region text) partition by list (region);
       create table regions_default partition of regions default;
       insert into regions values (1, 'fr'), (2, 'de');
       create table regions_eu (like regions);
       insert into regions_eu values (3, 'eu'), (4, null);`,
      ['--table', 'regions', '--partition', 'regions_eu', '--bound', "for values in ('eu', 'uk', null)"],
      ['regions_eu', 'regions_default'],
    ],
    [
      'hash',
      `create table shards (id bigint not null) partition by hash (id);
       create table shards_0 partition of shards for values with (modulus 2, remainder 0);
       create table shards_1 (like shards);
       insert into shards_1 select g from generate_series(1, 200) g where satisfies_hash_partition('shards'::regclass::oid, 2, 1, g::bigint);`,
      ['--table', 'shards', '--partition', 'shards_1', '--bound', 'for values with (modulus 2, remainder 1)'],
      ['shards_1'],
    ],
    [
      'range over two columns, MINVALUE and MAXVALUE',
      `create table grid (a int not null, b int not null) partition by range (a, b);
       create table grid_default partition of grid default;
       insert into grid values (9, 9);
       create table grid_1 (like grid);
       insert into grid_1 values (1, 10), (1, 99), (2, 5);`,
      ['--table', 'grid', '--partition', 'grid_1', '--bound', 'for values from (1, minvalue) to (2, maxvalue)'],
      ['grid_1', 'grid_default'],
    ],
  ])('%s: every scan skipped', severalCliRuns, async (_case, setup, flags, implied) => {
    const database = await server.database('attach_kinds', setup, { debugLog: true });
    const result = await runCli(['start', 'attach-partition', ...flags, '--complete'], database.url);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = server.onlineLog(database);
    for (const table of implied) {
      const proof = new RegExp(`partition constraint for (default partition|table) "${table}" is implied by existing constraints`);
      expect(lines.some((l) => proof.test(l))).toBe(true);
    }
    expect(tableReads(lines).filter((r) => /attach partition/i.test(r.statement))).toEqual([]);
  });
});
