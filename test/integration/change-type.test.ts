import { describe, expect, it } from 'vitest';
import { DataViolationError, parseSpec, rollbackMigration, startMigration } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriterLoops, type ConcurrentWriters } from '../support/concurrent-writers.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { lifecycleTest } from '../support/lifecycle-cases.js';
import { preflightRefusal } from '../support/preflight-refusal.js';
import { jsonLines, runCli, spawnCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';

const lockTimeoutMs = 500;

/** Application traffic on users and orders: inserts, updates and deletes. */
function startShopTraffic(url: string, seededUsers: number): ConcurrentWriters {
  // Each writer deletes only users it created itself, so no writer inserts an order for a user
  // another writer just deleted (a race of the application's own, not of the migration).
  const mine: number[][] = [[], [], [], []];
  return startWriterLoops(url, 4, async (sql, n, i) => {
    const user = 1 + Math.floor(Math.random() * seededUsers);
    switch (i % 5) {
      case 0: {
        const [created] = await sql<
          { id: number }[]
        >`insert into users (email) values (${`w${n}-${i}-${Math.random()}@example.com`}) returning id`;
        await sql`insert into orders (user_id, amount) values (${created?.id ?? user}, ${i})`;
        if (created !== undefined) mine[n]?.push(created.id);
        return;
      }
      case 1:
        return sql`insert into orders (user_id, amount, note) values (${user}, ${i}, 'writer')`;
      case 2:
        return sql`update orders set amount = amount + 1 where id = (select max(id) - ${i % 50} from orders)`;
      case 3:
        return sql`update users set email = email where id = ${user}`;
      default: {
        // Only rows the writers created go away, so the seeded rows can be compared at the end.
        const own = mine[n]?.shift();
        if (own !== undefined) await sql`delete from users where id = ${own}`;
      }
    }
  });
}

describe('change-type', () => {
  const db = useTestDatabase('change_type');

  const seededUsers = 20_000;
  const checksum = async (): Promise<{ users: string; orders: string }> => {
    const [row] = await db.sql<{ users: string; orders: string }[]>`
      select (select md5(string_agg(id::text || ':' || email, ',' order by id)) from users where id <= ${seededUsers}) as users,
             (select md5(string_agg(id::text || ':' || user_id::text, ',' order by id)) from orders where id <= 60000) as orders`;
    return row ?? { users: '', orders: '' };
  };
  const bothCatalogs = async () => ({ users: await catalogSnapshot(db.sql, 'users'), orders: await catalogSnapshot(db.sql, 'orders') });
  lifecycleTest(db, {
    name: 'int → bigint on a primary key referenced by a foreign key: start → rollback → start → complete under inserts, updates and deletes',
    spec: parseSpec({ operations: [{ op: 'change-type', table: 'users', column: 'id', type: 'bigint' }] }, 'test'),
    options: { lockTimeoutMs, batchSize: 2_000, minBatchSize: 2_000, maxBatchSize: 2_000 },
    writers: (url) => startShopTraffic(url, seededUsers),
    seed: async (db) => {
      await db.sql.unsafe(`
        create table users (id serial primary key, email text not null unique, created_at timestamptz not null default now());
        create table orders (
          id bigint generated always as identity primary key,
          user_id integer not null references users (id) on delete cascade,
          amount integer not null check (amount >= 0),
          note text);
        create index orders_user_id_idx on orders (user_id);
        insert into users (email) select 'user' || g || '@example.com' from generate_series(1, ${seededUsers}) g;
        insert into orders (user_id, amount) select 1 + g % ${seededUsers}, g % 100 from generate_series(1, 60000) g;
        analyze users; analyze orders;`);
      return { before: await checksum(), catalogBefore: await bothCatalogs() };
    },
    afterRollback: async ({ state }) => {
      expect(await bothCatalogs()).toEqual(state.catalogBefore);
    },
    afterRestart: async ({ db }) => {
      // Mid-migration both copies agree on every row, including rows the writers just wrote.
      const [drift] = await db.sql<{ n: number }[]>`
        select (select count(*) from users where id_online_new is distinct from id::bigint)::int
             + (select count(*) from orders where user_id_online_new is distinct from user_id::bigint)::int as n`;
      expect(drift?.n).toBe(0);
    },
    afterComplete: async ({ db, state }, traffic) => {
      console.log(
        `change-type int→bigint: ${traffic.operations} writes, worst ${traffic.maxLatencyMs.toFixed(0)} ms, lock_timeout ${lockTimeoutMs} ms`,
      );
      expect(traffic.operations).toBeGreaterThan(100);
      const types = await db.sql<{ table: string; column: string; type: string; notNull: boolean }[]>`
        select c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as "notNull"
        from pg_attribute a join pg_class c on c.oid = a.attrelid
        where c.relname in ('users', 'orders') and a.attnum > 0 and not a.attisdropped order by 1, a.attnum`;
      expect(types).toEqual([
        { table: 'orders', column: 'id', type: 'bigint', notNull: true },
        { table: 'orders', column: 'amount', type: 'integer', notNull: true },
        { table: 'orders', column: 'note', type: 'text', notNull: false },
        { table: 'orders', column: 'user_id', type: 'bigint', notNull: true },
        { table: 'users', column: 'email', type: 'text', notNull: true },
        { table: 'users', column: 'created_at', type: 'timestamp with time zone', notNull: true },
        { table: 'users', column: 'id', type: 'bigint', notNull: true },
      ]);
      expect(await checksum()).toEqual(state.before);
      const constraints = await db.sql<{ name: string; type: string; validated: boolean; definition: string }[]>`
        select conname as name, contype::text as type, convalidated as validated, pg_get_constraintdef(oid) as definition
        from pg_constraint where conrelid in ('users'::regclass, 'orders'::regclass) and contype <> 'n' order by 1`;
      expect(constraints).toEqual([
        { name: 'orders_amount_check', type: 'c', validated: true, definition: 'CHECK ((amount >= 0))' },
        { name: 'orders_pkey', type: 'p', validated: true, definition: 'PRIMARY KEY (id)' },
        {
          name: 'orders_user_id_fkey',
          type: 'f',
          validated: true,
          definition: 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE',
        },
        { name: 'users_email_key', type: 'u', validated: true, definition: 'UNIQUE (email)' },
        { name: 'users_pkey', type: 'p', validated: true, definition: 'PRIMARY KEY (id)' },
      ]);
      const indexes = await db.sql<{ name: string; definition: string }[]>`
        select indexrelid::regclass::text as name, pg_get_indexdef(indexrelid) as definition from pg_index
        where indrelid in ('users'::regclass, 'orders'::regclass) and indisvalid order by 1`;
      expect(indexes.map((i) => i.name)).toEqual(['orders_pkey', 'orders_user_id_idx', 'users_email_key', 'users_pkey']);
      expect(indexes.find((i) => i.name === 'orders_user_id_idx')?.definition).toBe(
        'CREATE INDEX orders_user_id_idx ON public.orders USING btree (user_id)',
      );
      // Nothing of the migration is left behind.
      expect((await catalogSnapshot(db.sql, 'users')).triggers).toEqual([]);
      expect((await catalogSnapshot(db.sql, 'orders')).triggers).toEqual([]);
      expect((await catalogSnapshot(db.sql, 'users')).onlineFunctions).toEqual([]);
      // The sequence continues, is owned by the new column and is wide enough for it.
      const [seq] = await db.sql<{ owner: string | null; type: string; max: string }[]>`
        select pg_get_serial_sequence('users', 'id') as owner, data_type::text as type, max_value::text as max
        from pg_sequences where sequencename = 'users_id_seq'`;
      expect(seq).toEqual({ owner: 'public.users_id_seq', type: 'bigint', max: '9223372036854775807' });
      const [maxId] = await db.sql<{ id: string }[]>`select max(id)::text as id from users`;
      const [next] = await db.sql<{ id: string }[]>`insert into users (email) values ('after@example.com') returning id::text as id`;
      expect(BigInt(next?.id ?? 0)).toBeGreaterThan(BigInt(maxId?.id ?? 0));
      await db.sql`select setval('users_id_seq', 3000000000)`;
      const [big] = await db.sql<{ id: string }[]>`insert into users (email) values ('big@example.com') returning id::text as id`;
      expect(big?.id).toBe('3000000001');
      await db.sql`insert into orders (user_id, amount) values (3000000001, 1)`;
      await expect(db.sql`insert into orders (user_id, amount) values (3000000002, 1)`).rejects.toMatchObject({ code: '23503' });
    },
  });

  it('killed with SIGKILL mid-backfill, resumed under writers: every row converted exactly', async () => {
    await db.sql.unsafe(`
      create table readings (id integer primary key, value integer not null);
      insert into readings select g, g * 3 from generate_series(1, 30000) g;`);
    const child = spawnCli(
      [
        'start',
        'change-type',
        '--table',
        'readings',
        '--column',
        'value',
        '--type',
        'bigint',
        '--batch-size',
        '300',
        '--min-batch-size',
        '300',
        '--max-batch-size',
        '300',
        '--pause-ms',
        '20',
        '--json',
      ],
      db.url,
    );
    let buffered = '';
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        if (jsonLines(buffered).filter((e) => e.type === 'batch').length >= 10) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const [partial] = await db.sql<{ filled: number }[]>`select count(value_online_new)::int as filled from readings`;
    // Every batch reported had committed (page-range batches are whole pages, so not exactly 300 rows each).
    const reported = jsonLines(buffered)
      .filter((e) => e.type === 'batch')
      .reduce((n, e) => n + Number(e.batchRows), 0);
    expect(reported).toBeGreaterThanOrEqual(10 * 100);
    expect(partial?.filled).toBeGreaterThanOrEqual(reported);
    expect(partial?.filled).toBeLessThan(30_000);

    const writers = startWriterLoops(db.url, 2, (sql, n, i) =>
      i % 2 === 0
        ? sql`insert into readings values (${100_000 + n * 100_000 + i}, ${i})`
        : sql`update readings set value = value + 1 where id = ${1 + ((i * 7919) % 30_000)}`,
    );
    const resumed = await runCli(['resume', '--pause-ms', '0'], db.url);
    const completed = await runCli(['complete'], db.url);
    const { errors } = await writers.stop();
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(completed.stderr).toBe('');
    expect(completed.code).toBe(0);
    expect(errors).toEqual([]);
    const [check] = await db.sql<{ type: string; wrong: number; rows: number }[]>`
      select (select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'readings'::regclass and attname = 'value') as type,
             (select count(*)::int from readings r where id <= 30000 and value < id * 3) as wrong,
             (select count(*)::int from readings) as rows`;
    expect(check?.type).toBe('bigint');
    expect(check?.wrong).toBe(0);
    expect(check?.rows).toBeGreaterThan(30_000);
  });

  it('an identity key keeps counting from where it was', async () => {
    await db.sql.unsafe(`
      create table audit_events (id integer generated always as identity primary key, kind text not null);
      insert into audit_events (kind) select 'seed' from generate_series(1, 5000);`);
    const spec = parseSpec({ operations: [{ op: 'change-type', table: 'audit_events', column: 'id', type: 'bigint' }] }, 'test');
    await startMigration({ databaseUrl: db.url, spec, options: { complete: true } });
    const [row] = await db.sql<{ id: string; identity: string; type: string }[]>`
      insert into audit_events (kind) values ('after') returning id::text as id,
        (select attidentity::text from pg_attribute where attrelid = 'audit_events'::regclass and attname = 'id') as identity,
        (select data_type::text from pg_sequences where schemaname = 'public' and sequencename = 'audit_events_id_seq') as type`;
    expect(row).toEqual({ id: '5001', identity: 'a', type: 'bigint' });
  });

  it('stops before contract with sample keys when using fails for some rows; rollback leaves the original intact', async () => {
    await db.sql.unsafe(`
      create table legacy (id bigint primary key, code text);
      insert into legacy select g, (g * 7)::text from generate_series(1, 10000) g;
      update legacy set code = 'n/a' where id in (4242, 8484);`);
    const catalogBefore = await catalogSnapshot(db.sql, 'legacy');
    const [dataBefore] = await db.sql<
      { sum: string }[]
    >`select md5(string_agg(id || ':' || coalesce(code, ''), ',' order by id)) as sum from legacy`;
    const spec = parseSpec(
      { operations: [{ op: 'change-type', table: 'legacy', column: 'code', type: 'integer', using: 'code::integer' }] },
      'test',
    );
    const error = await expectOnlineError(startMigration({ databaseUrl: db.url, spec }), DataViolationError, {
      exitCode: 1,
      message: /whose code cannot be converted to integer/,
    });
    expect(error.message).toContain('(4242, invalid input syntax for type integer: "n/a")');
    expect(error.message).toContain('(8484, invalid input syntax for type integer: "n/a")');
    await rollbackMigration({ databaseUrl: db.url, migration: spec.name });
    expect(await catalogSnapshot(db.sql, 'legacy')).toEqual(catalogBefore);
    const [dataAfter] = await db.sql<
      { sum: string }[]
    >`select md5(string_agg(id || ':' || coalesce(code, ''), ',' order by id)) as sum from legacy`;
    expect(dataAfter).toEqual(dataBefore);
  });

  it('refuses an incompatible type without using, changing nothing (exit 2)', async () => {
    await db.sql.unsafe(
      `create table IF NOT EXISTS legacy2 (id bigint primary key, code text); create view legacy2_codes as select code from legacy2;`,
    );
    const before = await catalogSnapshot(db.sql, 'legacy2');
    await preflightRefusal(db.url, { op: 'change-type', table: 'legacy2', column: 'code', type: 'integer' }, undefined, {
      message: /cannot be converted to integer automatically: .*give the conversion as using/,
    });
    const cli = await runCli(
      ['start', 'change-type', '--table', 'legacy2', '--column', 'code', '--type', 'integer', '--using', 'code::integer'],
      db.url,
    );
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(
      /has dependants a rebuild cannot carry over: view public\.legacy2_codes|has dependants a rebuild cannot carry over: view legacy2_codes/,
    );
    expect(await catalogSnapshot(db.sql, 'legacy2')).toEqual(before);
  });
});
