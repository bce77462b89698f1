// add-check, add-foreign-key and set-not-null on a table partitioned by month (12 monthly partitions
// and a default one), through start → rollback → start → complete under writers that insert across
// partitions, move rows between partitions (updates of the partition key) and touch two tables in
// both orders: zero writer errors, the constraint valid on the parent and every partition at the end.
import type postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import {
  completeMigration,
  DataViolationError,
  migrationStatus,
  parseSpec,
  resumeMigration,
  rollbackMigration,
  startMigration,
  type MigrationSpec,
} from '../../src/index.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { severalCliRuns } from '../support/run-cli.js';
import { startShapeWriters, type ShapeWriters } from '../support/shape-writers.js';
import { useTestDatabase } from '../support/test-database.js';
import { killWatchedRuns, watchCli } from '../support/watched-cli.js';

const seeded = 3_000;
const options = { lockTimeoutMs: 1_000, lockRetries: 100 };

// Months of 2025 in their own partitions; 2024 dates land in the default one. Writers never write 2026,
// so a 2026 partition can be created while they run.
const schema = `
  create table accounts (id bigint primary key, balance bigint not null default 0);
  insert into accounts select generate_series(1, 200);
  create table events (id bigint not null, at date not null, account_id bigint, amount int, note text,
                       primary key (id, at)) partition by range (at);
  ${Array.from({ length: 12 }, (_, i) => {
    const from = `2025-${String(i + 1).padStart(2, '0')}-01`;
    const to = i === 11 ? '2026-01-01' : `2025-${String(i + 2).padStart(2, '0')}-01`;
    return `create table events_2025_${String(i + 1).padStart(2, '0')} partition of events for values from ('${from}') to ('${to}');`;
  }).join('\n')}
  create table events_default partition of events default;
  insert into events select g, date '2024-12-01' + (g * 7 % 396), 1 + g % 200, g % 50, 'seeded' from generate_series(1, ${seeded}) g;
  create index on events (account_id);
  analyze events;`;

/** A date in December 2024 (the default partition) or in 2025, picked by `n`. */
const dateOf = (n: number): string => new Date(Date.UTC(2024, 11, 1) + (n % 396) * 86_400_000).toISOString().slice(0, 10);

/**
 * Writers: inserts across partitions, each with an update of its account in the same transaction (account
 * first for odd rows, event first for even ones), and updates that move a row to another month.
 */
function startWriters(url: string): ShapeWriters {
  return startShapeWriters(url, {
    seeded,
    writers: 3,
    insert: (sql, n) =>
      sql.begin(async (tx) => {
        const account = 1 + (n % 200);
        const touchAccount = () => tx`update accounts set balance = balance + 1 where id = ${account}`;
        if (n % 2 === 1) await touchAccount();
        await tx`insert into events values (${n}, ${dateOf(n * 11)}, ${account}, ${n % 50}, 'written')`;
        if (n % 2 === 0) await touchAccount();
      }),
    update: (sql, n) =>
      sql.begin(async (tx) => {
        // Two writers moving the same row at once fail each other (PostgreSQL: "tuple to be locked was
        // already moved to another partition"); an application serializes its updates of one row.
        await tx`select pg_advisory_xact_lock(${n})`;
        await tx`update events set at = ${dateOf(n * 13 + Math.floor(Math.random() * 396))}, amount = amount + 1 where id = ${n}`;
        await tx`update accounts set balance = balance - 1 where id = ${1 + (n % 200)}`;
      }),
  });
}

interface ConstraintCopy {
  readonly table: string;
  readonly valid: boolean;
}

/** The copies of constraint `name` on events and every table under it, valid or not. */
async function copies(sql: postgres.Sql, name: string): Promise<ConstraintCopy[]> {
  return sql<ConstraintCopy[]>`
    select t.relid::regclass::text as table, k.convalidated as valid
    from pg_partition_tree('events') t join pg_constraint k on k.conrelid = t.relid and k.conname = ${name}
    order by 1`;
}

async function partitionTree(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ table: string }[]>`select relid::regclass::text as table from pg_partition_tree('events') order by 1`;
  return rows.map((r) => r.table);
}

/** Constraints and NOT NULL columns of every table in the database: what a rollback must restore exactly. */
async function constraintsAndNotNulls(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ item: string }[]>`
    select format('constraint %s %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid), convalidated) as item
      from pg_constraint where connamespace = 'public'::regnamespace
    union all
    select format('not null %s.%s', attrelid::regclass, attname) from pg_attribute a join pg_class c on c.oid = a.attrelid
     where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and a.attnum > 0 and a.attnotnull
    union all
    select format('trigger %s on %s', tgname, tgrelid::regclass) from pg_trigger where not tgisinternal
    order by 1`;
  return rows.map((r) => r.item);
}

/** Rows per id: one each, every seeded id still there (moved rows are not lost or doubled). */
async function expectRowsIntact(sql: postgres.Sql): Promise<void> {
  const [counts] = await sql<{ seeded: number; doubled: number }[]>`
    select count(distinct id) filter (where id <= ${seeded})::int as seeded,
           (select count(*) from (select id from events group by id having count(*) > 1) d)::int as doubled
    from events`;
  expect(counts).toEqual({ seeded, doubled: 0 });
}

async function lifecycleUnderWriters(url: string, spec: MigrationSpec, sql: postgres.Sql, between?: () => Promise<void>): Promise<void> {
  const before = await constraintsAndNotNulls(sql);
  const writers = startWriters(url);
  try {
    await writers.waitForOperations(30);
    await startMigration({ databaseUrl: url, spec, options });
    await writers.waitForOperations(30);
    await rollbackMigration({ databaseUrl: url, migration: spec.name });
    expect(await constraintsAndNotNulls(sql)).toEqual(before);
    await startMigration({ databaseUrl: url, spec, options });
    await writers.waitForOperations(30);
    await between?.();
    await completeMigration({ databaseUrl: url, migration: spec.name });
    await writers.waitForOperations(30);
  } finally {
    const report = await writers.stop();
    console.log(`${spec.name}: ${report.inserts} inserts, ${report.updates} updates`);
    expect(report.errors).toEqual([]);
  }
  const [status] = await migrationStatus({ databaseUrl: url, migration: spec.name });
  expect(status?.state).toBe('completed');
  await expectRowsIntact(sql);
}

const specOf = (name: string, operation: Record<string, unknown>): MigrationSpec => parseSpec({ name, operations: [operation] }, name);

describe('constraints on a table partitioned by month', severalCliRuns, () => {
  const db = useTestDatabase('partitioned_constraints', { per: 'test' });
  afterEach(() => killWatchedRuns());

  it('add-check: every partition validated on its own, then the parent; a partition created mid-way is covered', async () => {
    await db.sql.unsafe(schema);
    const spec = specOf('amount-non-negative', { op: 'add-check', table: 'events', check: 'amount >= 0', name: 'amount_non_negative' });
    await lifecycleUnderWriters(db.url, spec, db.sql, async () => {
      // Created between start and complete: PostgreSQL gives it its own copy of the check.
      await db.sql`create table events_2026_01 partition of events for values from ('2026-01-01') to ('2026-02-01')`;
      await db.sql`insert into events values (900001, '2026-01-15', 1, 1, 'new month')`;
    });
    const tree = await partitionTree(db.sql);
    expect(tree).toHaveLength(15);
    expect(await copies(db.sql, 'amount_non_negative')).toEqual(tree.map((table) => ({ table, valid: true })));
    await expect(db.sql`insert into events values (900002, '2025-03-03', 1, -1, 'bad')`).rejects.toMatchObject({ code: '23514' });
  });

  it('set-not-null without backfill: each partition proven by its validated check, no check left behind', async () => {
    await db.sql.unsafe(schema);
    const spec = specOf('note-not-null', { op: 'set-not-null', table: 'events', column: 'note' });
    await lifecycleUnderWriters(db.url, spec, db.sql);
    const notNull = await db.sql<{ table: string; notNull: boolean }[]>`
      select t.relid::regclass::text as table, a.attnotnull as "notNull"
      from pg_partition_tree('events') t join pg_attribute a on a.attrelid = t.relid and a.attname = 'note' order by 1`;
    expect(notNull).toEqual((await partitionTree(db.sql)).map((table) => ({ table, notNull: true })));
    const [left] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from pg_constraint where contype = 'c' and connamespace = 'public'::regnamespace`;
    expect(left?.n).toBe(0);
  });

  it('set-not-null with backfill fills NULLs in every partition first', async () => {
    await db.sql.unsafe(schema);
    await db.sql`update events set note = null where id % 5 = 0`;
    const spec = specOf('note-filled', { op: 'set-not-null', table: 'events', column: 'note', backfill: "'filled'" });
    await lifecycleUnderWriters(db.url, spec, db.sql);
    const [nulls] = await db.sql<{ n: number; filled: number }[]>`
      select count(*) filter (where note is null)::int as n, count(*) filter (where note = 'filled')::int as filled from events`;
    expect(nulls?.n).toBe(0);
    expect(nulls?.filled).toBeGreaterThanOrEqual(seeded / 5 - 1);
  });

  it('add-foreign-key from the partitioned table: every partition copy validated first, the parent key attached last', async () => {
    await db.sql.unsafe(schema);
    const spec = specOf('events-account', {
      op: 'add-foreign-key',
      table: 'events',
      columns: ['account_id'],
      references: { table: 'accounts', columns: ['id'] },
      name: 'events_account_fkey',
    });
    await lifecycleUnderWriters(db.url, spec, db.sql, async () => {
      await db.sql`create table events_2026_01 partition of events for values from ('2026-01-01') to ('2026-02-01')`;
      await db.sql`insert into events values (900001, '2026-01-15', 7, 1, 'new month')`;
    });
    const tree = await partitionTree(db.sql);
    expect(await copies(db.sql, 'events_account_fkey')).toEqual(tree.map((table) => ({ table, valid: true })));
    // Each partition's copy belongs to the parent's key: dropping the parent's would drop them all.
    const [detached] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_constraint where conname = 'events_account_fkey' and conrelid <> 'events'::regclass and conparentid = 0`;
    expect(detached?.n).toBe(0);
    await expect(db.sql`insert into events values (900002, '2025-03-03', 999, 1, 'orphan')`).rejects.toMatchObject({ code: '23503' });
  });

  it('add-foreign-key from a plain table to the partitioned one', async () => {
    await db.sql.unsafe(schema);
    await db.sql`create table refunds (n bigint primary key, event_id bigint, event_at date)`;
    // Events the writers never update (their partition key stays), referenced by every refund.
    await db.sql`insert into events select 500000 + g, date '2025-01-01' + g, 1, 1, 'kept' from generate_series(1, 300) g`;
    await db.sql`insert into refunds select g, 500000 + g, date '2025-01-01' + g from generate_series(1, 300) g`;
    const spec = specOf('refund-event', {
      op: 'add-foreign-key',
      table: 'refunds',
      columns: ['event_id', 'event_at'],
      references: { table: 'events', columns: ['id', 'at'] },
      name: 'refunds_event_fkey',
    });
    await lifecycleUnderWriters(db.url, spec, db.sql);
    const [key] = await db.sql<{ valid: boolean }[]>`select convalidated as valid from pg_constraint where conname = 'refunds_event_fkey'`;
    expect(key?.valid).toBe(true);
    await expect(db.sql`insert into refunds values (999, 1, '2025-01-01')`).rejects.toMatchObject({ code: '23503' });
  });

  it('a violating row in one partition fails its validation with sample keys; rollback leaves nothing behind', async () => {
    await db.sql.unsafe(schema);
    await db.sql`update events set amount = -5 where id = 1234`;
    const [home] = await db.sql<{ table: string }[]>`select tableoid::regclass::text as table from events where id = 1234`;
    const before = await constraintsAndNotNulls(db.sql);
    const spec = specOf('amount-checked', { op: 'add-check', table: 'events', check: 'amount >= 0', name: 'amount_checked' });
    const writers = startShapeWriters(db.url, {
      seeded: 0,
      writers: 2,
      insert: (sql, n) => sql`insert into events values (${seeded + n}, ${dateOf(n)}, 1, 1, 'written')`,
      update: () => Promise.resolve(),
    });
    await startMigration({ databaseUrl: db.url, spec, options });
    const error = await expectOnlineError(completeMigration({ databaseUrl: db.url, migration: spec.name }), DataViolationError, {
      exitCode: 1,
    });
    expect(error.samples).toEqual([{ id: '1234', at: expect.any(String) as unknown }]);
    expect(error.message).toMatch(/rows that fail check amount_checked \(amount >= 0\), shown by their \(id, at\), e\.g\. \(1234, /);
    // Every copy is still there, NOT VALID where it was not proven: a rollback takes them all away.
    expect((await copies(db.sql, 'amount_checked')).find((c) => c.table === home?.table)).toEqual({ table: home?.table, valid: false });
    await rollbackMigration({ databaseUrl: db.url, migration: spec.name });
    const report = await writers.stop();
    expect(report.errors).toEqual([]);
    expect(await constraintsAndNotNulls(db.sql)).toEqual(before);
  });

  it('kill -9 during a partition validation, then resume: the valid copies stay, the rest are validated', async () => {
    await db.sql.unsafe(schema);
    // A check that takes a moment per row, so a partition's validation is caught mid-scan.
    await db.sql.unsafe(`create function slow_non_negative(a int) returns boolean language plpgsql as
      $$ begin perform pg_sleep(0.002); return a >= 0; end $$`);
    const spec = specOf('slow-check', { op: 'add-check', table: 'events', check: 'slow_non_negative(amount)', name: 'slow_check' });
    const writers = startWriters(db.url);
    await startMigration({ databaseUrl: db.url, spec, options });
    const run = watchCli(['complete', spec.name, '--json'], db.url);
    // Wait for a state: two partitions validated, and the next one's scan running.
    for (;;) {
      const [state] = await db.sql<{ valid: number; scanning: number }[]>`
        select (select count(*)::int from pg_constraint where conname = 'slow_check' and convalidated) as valid,
               (select count(*)::int from pg_stat_activity where state = 'active' and query ilike '%validate constraint "slow_check"%'
                  and wait_event = 'PgSleep') as scanning`;
      if ((state?.valid ?? 0) >= 2 && (state?.scanning ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    run.child.kill('SIGKILL');
    await run.exited;
    // The killed run's session goes once its statement notices the client is gone.
    for (;;) {
      const [left] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity where query ilike '%validate constraint "slow_check"%' and pid <> pg_backend_pid()`;
      if (left?.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const midway = await copies(db.sql, 'slow_check');
    expect(midway.filter((c) => c.valid).length).toBeGreaterThanOrEqual(2);
    expect(midway.find((c) => c.table === 'events')).toEqual({ table: 'events', valid: false });
    expect(await resumeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
    const report = await writers.stop();
    expect(report.errors).toEqual([]);
    expect(await copies(db.sql, 'slow_check')).toEqual((await partitionTree(db.sql)).map((table) => ({ table, valid: true })));
    await expectRowsIntact(db.sql);
  });
});
