// add-column backfills every key shape correctly while unaware writers insert and update rows from
// other connections: every row ends with the right value, NOT NULL holds, and the backfill filled
// each seeded row at most once and never a row a writer inserted (the fill trigger covers those).
import type postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { completeMigration, parseSpec, startMigration, type OnlineEvent, type RunOptionsInput } from '../../src/index.js';
import { startShapeWriters } from '../support/shape-writers.js';
import { useTestDatabase } from '../support/test-database.js';

const seededRows = 30_000;
/** The new column's value, over the columns every shape has. */
const scoreExpression = 'weight * 10 + n';

interface Shape {
  readonly table: string;
  /** Every shape has `n bigint not null` (the row's number), `weight int not null` and `body text`. */
  readonly create: string;
  /** The key columns a writer's insert sets, and their values as SQL over the row number `g`. */
  readonly keyColumns: string;
  readonly keyValues: string;
}

const compositeKey = (table: string): Shape => ({
  table,
  create: `create table ${table} (tag text not null, ticket_id bigint not null, n bigint not null, weight int not null, body text, primary key (tag, ticket_id))`,
  keyColumns: 'tag, ticket_id',
  // Writers' rows land among the seeded ones (same tags), inside the ranges, not only after the upper bound.
  keyValues: `'tag ' || (g % 37), g`,
});

const uuidKey = (table: string): Shape => ({
  table,
  create: `create table ${table} (id uuid primary key default gen_random_uuid(), n bigint not null, weight int not null, body text)`,
  keyColumns: '',
  keyValues: '',
});

describe('add-column on every key shape under concurrent writers', () => {
  const db = useTestDatabase('key_shapes');
  beforeAll(async () => {
    // Instrumentation only: records who gave each row its `score`: the fill trigger on a writer's insert,
    // a writer's update through the fill trigger, or the backfill (application_name `online`).
    await db.sql`create table fill_log (tbl text not null, n bigint not null, op text not null, app text not null)`;
    await db.sql.unsafe(`
      create function log_fill() returns trigger language plpgsql as $$
      begin
        if (to_jsonb(new) ->> 'score') is not null and (tg_op = 'INSERT' or (to_jsonb(old) ->> 'score') is null) then
          insert into fill_log values (tg_table_name, new.n, tg_op, current_setting('application_name'));
        end if;
        return null;
      end $$`);
  });

  /**
   * Seeds the shape, runs start (expand + backfill) and then complete with writers running from before
   * start until contract; they stop before contract because it removes the triggers that keep an
   * unaware writer's rows correct, and a NOT NULL column without them rejects its inserts.
   */
  async function backfillUnderWriters(shape: Shape, rows: number, options: RunOptionsInput = {}): Promise<void> {
    const { sql } = db;
    await sql.unsafe(shape.create);
    await sql.unsafe(`create index on ${shape.table} (n)`);
    await sql.unsafe(`create trigger log_fill after insert or update on ${shape.table} for each row execute function log_fill()`);
    const columns = shape.keyColumns === '' ? 'n, weight, body' : `${shape.keyColumns}, n, weight, body`;
    const values = shape.keyValues === '' ? 'g, g % 10, md5(g::text)' : `${shape.keyValues}, g, g % 10, md5(g::text)`;
    if (rows > 0)
      await sql.unsafe(`insert into ${shape.table} (${columns}) select ${values} from generate_series(1, $1::bigint) g`, [rows]);
    await sql.unsafe(`analyze ${shape.table}`);

    const startWriters = () =>
      startShapeWriters(db.url, {
        seeded: rows,
        insert: (w: postgres.Sql, n: number) =>
          w.unsafe(`insert into ${shape.table} (${columns}) select ${values} from (select $1::bigint as g) as r`, [n]),
        update: (w: postgres.Sql, n: number) =>
          w.unsafe(`update ${shape.table} set weight = weight + 1, body = 'updated' where n = $1::bigint`, [n]),
      });
    // An empty table stays empty until expand has installed the triggers; others get traffic from the start.
    let writers = rows > 0 ? startWriters() : undefined;
    await writers?.waitForOperations(10);
    const name = `shape-${shape.table}`;
    const spec = parseSpec(
      {
        name,
        operations: [{ op: 'add-column', table: shape.table, column: 'score', type: 'bigint', backfill: scoreExpression, nullable: false }],
      },
      name,
    );
    const during = { start: -1, done: -1 };
    const events: OnlineEvent[] = [];
    const onEvent = (event: OnlineEvent): void => {
      events.push(event);
      if (event.type === 'phase' && event.phase === 'backfill') writers ??= startWriters();
      if (event.type === 'backfill-start') during.start = writers?.operations() ?? -1;
      if (event.type === 'backfill-done') during.done = writers?.operations() ?? -1;
    };
    const started = await startMigration({
      databaseUrl: db.url,
      spec,
      options: { batchSize: 500, maxBatchSize: 2_000, ...options },
      onEvent,
    });
    expect(started.status).toBe('awaiting_contract');
    expect(writers).toBeDefined();
    await writers?.waitForOperations(10);
    const traffic = (await writers?.stop()) ?? {
      inserts: 0,
      updates: 0,
      updatedRows: new Set<number>(),
      errors: ['writers never started'],
    };
    const completed = await completeMigration({ databaseUrl: db.url, migration: name });
    expect(completed.status).toBe('completed');

    expect(traffic.errors).toEqual([]);
    expect(traffic.inserts).toBeGreaterThan(0);
    if (rows > 0) expect(traffic.updates).toBeGreaterThan(0);
    if (rows > 0) expect(during.done - during.start).toBeGreaterThan(0);

    const [result] = await sql.unsafe<{ wrong: number; total: number }[]>(
      `select count(*) filter (where score is distinct from (${scoreExpression}))::int as wrong, count(*)::int as total from ${shape.table}`,
    );
    expect(result).toEqual({ wrong: 0, total: rows + traffic.inserts });
    const [column] = await sql<{ notNull: boolean }[]>`
      select attnotnull as "notNull" from pg_attribute where attrelid = ${shape.table}::regclass and attname = 'score'`;
    expect(column?.notNull).toBe(true);

    const [cursor] = await sql<{ rowsDone: number; ranges: number; done: boolean }[]>`
      select coalesce(sum(rows_done), 0)::int as "rowsDone", count(*)::int as ranges, bool_and(done) as done
      from online_migrate.backfill_cursors where migration = ${name}`;
    expect(cursor?.done).toBe(true);
    // A seeded row a writer updated first was filled by the trigger; every other one by the backfill.
    expect(cursor?.rowsDone).toBeGreaterThanOrEqual(rows - traffic.updatedRows.size);
    const [fills] = await sql<
      { fills: number; rowsFilled: number; seededFilled: number; byBackfill: number; distinctByBackfill: number }[]
    >`
      select count(*)::int as fills, count(distinct n)::int as "rowsFilled",
             count(distinct n) filter (where n <= ${rows})::int as "seededFilled",
             count(*) filter (where app = 'online')::int as "byBackfill",
             count(distinct n) filter (where app = 'online')::int as "distinctByBackfill"
      from fill_log where tbl = ${shape.table}`;
    // Every row got its value exactly once: from the insert trigger, a writer's update, or the backfill.
    // So the backfill never touched a row the triggers had filled, and its cursor counted exactly the rows it filled.
    expect(fills).toEqual({
      fills: rows + traffic.inserts,
      rowsFilled: rows + traffic.inserts,
      seededFilled: rows,
      byBackfill: cursor?.rowsDone,
      distinctByBackfill: cursor?.rowsDone,
    });
    if (rows === 0) expect(cursor?.rowsDone).toBe(0);

    const start = events.find((e) => e.type === 'backfill-start');
    const concurrency = typeof options.concurrency === 'number' ? options.concurrency : 1;
    // An idle worker splits a busy range (work stealing): each split adds one range.
    const splits = events.filter((e) => e.type === 'range-split').length;
    if (rows > 0) expect(cursor?.ranges).toBe(concurrency + splits);
    if (start?.type === 'backfill-start') expect(start.ranges + splits).toBe(cursor?.ranges);
  }

  it('pages a composite (text, bigint) primary key', async () => {
    await backfillUnderWriters(compositeKey('composite_key'), seededRows);
  });

  it('pages a uuid primary key', async () => {
    await backfillUnderWriters(uuidKey('uuid_key'), seededRows);
  });

  it('pages a text primary key', async () => {
    await backfillUnderWriters(
      {
        table: 'text_key',
        create: 'create table text_key (code text primary key, n bigint not null, weight int not null, body text)',
        keyColumns: 'code',
        keyValues: 'md5(g::text)',
      },
      seededRows,
    );
  });

  it('pages a GENERATED ALWAYS identity key while writers insert without it', async () => {
    await backfillUnderWriters(
      {
        table: 'identity_key',
        create:
          'create table identity_key (id bigint generated always as identity primary key, n bigint not null, weight int not null, body text)',
        keyColumns: '',
        keyValues: '',
      },
      seededRows,
    );
  });

  it('pages a unique index on a NOT NULL column when there is no primary key', async () => {
    await backfillUnderWriters(
      {
        table: 'unique_email',
        create:
          'create table unique_email (email text not null, n bigint not null, weight int not null, body text); create unique index unique_email_email on unique_email (email)',
        keyColumns: 'email',
        keyValues: `'user' || g || '@example.com'`,
      },
      seededRows,
    );
  });

  it('falls back to ctid page ranges on a heap without any unique index', async () => {
    await backfillUnderWriters(
      {
        table: 'heap_only',
        create: 'create table heap_only (n bigint not null, weight int not null, body text)',
        keyColumns: '',
        keyValues: '',
      },
      seededRows,
    );
    const [kind] = await db.sql<
      { kind: string }[]
    >`select distinct key_kind as kind from online_migrate.backfill_cursors where migration = 'shape-heap_only'`;
    expect(kind?.kind).toBe('ctid');
  });

  it('completes on an empty table that writers insert into during the run', async () => {
    await backfillUnderWriters(
      {
        table: 'empty_table',
        create: 'create table empty_table (id bigint primary key, n bigint not null, weight int not null, body text)',
        keyColumns: 'id',
        keyValues: 'g',
      },
      0,
    );
  });

  it('splits a composite primary key into 3 parallel ranges', async () => {
    await backfillUnderWriters(compositeKey('composite_key_parallel'), seededRows, { concurrency: 3 });
  });

  it('splits a uuid primary key into 3 parallel ranges', async () => {
    await backfillUnderWriters(uuidKey('uuid_key_parallel'), seededRows, { concurrency: 3 });
  });
});
