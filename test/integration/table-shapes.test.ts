import { describe, expect, it } from 'vitest';
import { BackfillIncompleteError, completeMigration, parseSpec, startMigration } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { useTestDatabase } from '../support/test-database.js';

describe('add-column on the tables users have', () => {
  const db = useTestDatabase('shapes');

  it('pages a composite text/integer primary key', async () => {
    await db.sql`create table ticket_tags (tag text not null, ticket_id int not null, weight int not null, primary key (tag, ticket_id))`;
    await db.sql`insert into ticket_tags select 'tag ' || (g % 37), g, g % 10 from generate_series(1, 5000) g`;
    const spec = parseSpec(
      {
        operations: [
          { op: 'add-column', table: 'ticket_tags', column: 'heavy', type: 'boolean', backfill: 'weight >= 5', nullable: false },
        ],
      },
      't',
    );
    await startMigration({ databaseUrl: db.url, spec, options: { batchSize: 97, complete: true } });
    const [row] = await db.sql<{ wrong: number; total: number }[]>`
      select count(*) filter (where heavy is distinct from (weight >= 5))::int as wrong, count(*)::int as total from ticket_tags`;
    expect(row).toEqual({ wrong: 0, total: 5000 });
    const [cursor] = await db.sql<
      { rows: number }[]
    >`select rows_done::int as rows from online_migrate.backfill_cursors where migration = ${spec.name}`;
    expect(cursor?.rows).toBe(5000);
  });

  it('uses a unique index on NOT NULL columns when there is no primary key, and fills a volatile default per row', async () => {
    await db.sql`create table customers (email text not null, name text)`;
    await db.sql`create unique index customers_email on customers (email)`;
    await db.sql`insert into customers select 'c' || g || '@example.com', 'n' || g from generate_series(1, 3000) g`;
    const spec = parseSpec(
      {
        operations: [
          { op: 'add-column', table: 'customers', column: 'token', type: 'uuid', default: 'gen_random_uuid()', nullable: false },
        ],
      },
      't',
    );
    const before = await db.sql<{ relfilenode: number }[]>`select relfilenode from pg_class where oid = 'customers'::regclass`;
    await startMigration({ databaseUrl: db.url, spec, options: { batchSize: 250, complete: true } });
    const after = await db.sql<{ relfilenode: number }[]>`select relfilenode from pg_class where oid = 'customers'::regclass`;
    expect(after).toEqual(before);
    const [row] = await db.sql<{ nulls: number; distinct: number }[]>`
      select count(*) filter (where token is null)::int as nulls, count(distinct token)::int as distinct from customers`;
    expect(row).toEqual({ nulls: 0, distinct: 3000 });
    const snapshot = await catalogSnapshot(db.sql, 'customers');
    expect(snapshot.columns.token).toEqual({ type: 'uuid', notNull: true, default: 'gen_random_uuid()' });
  });

  it('adds a constant default as metadata only, without rewriting or backfilling', async () => {
    await db.sql`create table notes (id serial primary key, body text)`;
    await db.sql`insert into notes (body) select 'b' || g from generate_series(1, 2000) g`;
    const before = await db.sql<{ relfilenode: number }[]>`select relfilenode from pg_class where oid = 'notes'::regclass`;
    const spec = parseSpec(
      { operations: [{ op: 'add-column', table: 'notes', column: 'visibility', type: 'text', default: "'internal'", nullable: false }] },
      't',
    );
    await startMigration({ databaseUrl: db.url, spec, options: { complete: true } });
    const after = await db.sql<{ relfilenode: number }[]>`select relfilenode from pg_class where oid = 'notes'::regclass`;
    expect(after).toEqual(before);
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from notes where visibility = 'internal'`;
    expect(row?.n).toBe(2000);
    const cursors = await db.sql`select 1 from online_migrate.backfill_cursors where migration = ${spec.name}`;
    expect(cursors).toHaveLength(0);
  });

  it('pages a timestamptz key with microseconds without losing the last row', async () => {
    await db.sql`create table readings (taken_at timestamptz primary key, value int not null)`;
    await db.sql`insert into readings select timestamptz '2026-01-01' + g * interval '1.000001 second', g from generate_series(1, 3000) g`;
    const spec = parseSpec(
      {
        name: 'readings-double',
        operations: [{ op: 'add-column', table: 'readings', column: 'doubled', type: 'int', backfill: 'value * 2', nullable: false }],
      },
      't',
    );
    await startMigration({ databaseUrl: db.url, spec, options: { batchSize: 101, complete: true } });
    const [row] = await db.sql<
      { wrong: number }[]
    >`select count(*) filter (where doubled is distinct from value * 2)::int as wrong from readings`;
    expect(row?.wrong).toBe(0);
    const [cursor] = await db.sql<
      { rows: number }[]
    >`select sum(rows_done)::int as rows from online_migrate.backfill_cursors where migration = ${spec.name}`;
    expect(cursor?.rows).toBe(3000);
  });

  it('works on an empty table', async () => {
    await db.sql`create table empty_queue (id bigint primary key, payload text)`;
    const spec = parseSpec(
      { operations: [{ op: 'add-column', table: 'empty_queue', column: 'size', type: 'int', backfill: 'length(payload)' }] },
      't',
    );
    expect(await startMigration({ databaseUrl: db.url, spec, options: { complete: true } })).toMatchObject({ status: 'completed' });
  });

  it('refuses to complete while rows still need backfill, changing nothing', async () => {
    await db.sql`create table replies (id bigint primary key, body text not null)`;
    await db.sql`insert into replies select g, 'reply ' || g from generate_series(1, 1000) g`;
    const spec = parseSpec(
      { operations: [{ op: 'add-column', table: 'replies', column: 'body_length', type: 'int', backfill: 'length(body)' }] },
      't',
    );
    await startMigration({ databaseUrl: db.url, spec });
    // A writer that sets the column explicitly to NULL is kept by the trigger rule, so the row needs work again.
    await db.sql`update replies set body_length = null where id in (7, 8)`;
    const before = await catalogSnapshot(db.sql, 'replies');
    await expectOnlineError(completeMigration({ databaseUrl: db.url, migration: spec.name }), BackfillIncompleteError, {
      exitCode: 2,
      message: /still has rows that need backfill, e\.g\. keys \((7|8)\)/,
    });
    expect(await catalogSnapshot(db.sql, 'replies')).toEqual(before);
    const [status] = await db.sql<{ status: string }[]>`select status from online_migrate.migrations where name = ${spec.name}`;
    expect(status?.status).toBe('awaiting_contract');
  });
});
