import postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BackfillIncompleteError,
  DataViolationError,
  StoppedError,
  completeMigration,
  migrationStatus,
  parseSpec,
  planMigration,
  rollbackMigration,
  startMigration,
  type OnlineEvent,
} from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { expectCalmTraffic, startWriters } from '../support/concurrent-writers.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { lifecycleTest } from '../support/lifecycle-cases.js';
import { preflightRefusal } from '../support/preflight-refusal.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';
import { eventually } from '../support/watched-cli.js';

const lockTimeoutMs = 1_000;
const options = { lockTimeoutMs, batchSize: 500, minBatchSize: 500, maxBatchSize: 500, pauseMs: 5 };

async function notNull(sql: postgres.Sql, table: string, column: string): Promise<boolean | undefined> {
  const [row] = await sql<{ notNull: boolean }[]>`
    select attnotnull as "notNull" from pg_attribute where attrelid = ${table}::regclass and attname = ${column}`;
  return row?.notNull;
}

/** Every trigger, function and constraint set-not-null may leave behind, by name. */
async function leftovers(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select conname as name from pg_constraint where conname like 'online_snn%'
    union all select tgname from pg_trigger where tgname like 'online_snn%'
    union all select proname from pg_proc where proname like 'online_snn%'`;
  return rows.map((r) => r.name);
}

describe('set-not-null', () => {
  const db = useTestDatabase('set_not_null');

  lifecycleTest(db, {
    name: 'without backfill: start → rollback → start → complete under writers, nothing left behind',
    spec: parseSpec({ operations: [{ op: 'set-not-null', table: 'tickets', column: 'title' }] }, 'test'),
    options,
    writers: { table: 'tickets', writers: 3 },
    seed: async (db, spec) => {
      await createTickets(db.sql, 20_000, 'tickets');
      await db.sql`alter table tickets alter column title drop not null`;
      expect(spec.name).toBe('set-not-null-tickets-title');
      return { before: await catalogSnapshot(db.sql, 'tickets') };
    },
    afterStart: async ({ db, state }) => {
      // Without a backfill, expand changes nothing: the check arrives in contract, right before VALIDATE.
      expect(await catalogSnapshot(db.sql, 'tickets')).toEqual(state.before);
    },
    afterRollback: async ({ db, spec, state }) => {
      expect(await catalogSnapshot(db.sql, 'tickets')).toEqual(state.before);
      expect(await leftovers(db.sql)).toEqual([]);
      expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    },
    afterRestart: async ({ db }) => {
      expect(await notNull(db.sql, 'tickets', 'title')).toBe(false);
    },
    afterComplete: async ({ db, state: { before } }) => {
      const after = await catalogSnapshot(db.sql, 'tickets');
      expect(await notNull(db.sql, 'tickets', 'title')).toBe(true);
      expect(after.constraints).toEqual(before.constraints);
      expect(after.triggers).toEqual([]);
      expect(after.onlineFunctions).toEqual([]);
      expect(await leftovers(db.sql)).toEqual([]);
    },
  });

  it('with backfill: fills old NULLs in batches and unaware writers’ NULLs by trigger, then sets NOT NULL', async () => {
    await createTickets(db.sql, 20_000, 'tickets_channel');
    await db.sql`alter table tickets_channel add column channel text`;
    // 80% already have a channel; the rest are NULL.
    await db.sql`update tickets_channel set channel = case when id % 3 = 0 then 'chat' else 'web' end where id % 5 <> 0`;
    const before = await catalogSnapshot(db.sql, 'tickets_channel');
    const fill = "CASE WHEN title LIKE 'writer%' THEN 'api' WHEN id % 2 = 0 THEN 'email' ELSE 'phone' END";
    const spec = parseSpec({ operations: [{ op: 'set-not-null', table: 'tickets_channel', column: 'channel', backfill: fill }] }, 'test');
    // The writers insert without `channel` and update other columns of random rows, NULL ones included.
    const writers = startWriters(db.url, { table: 'tickets_channel', writers: 3 });
    const events: OnlineEvent[] = [];

    await startMigration({ databaseUrl: db.url, spec, options, onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'batch').length).toBeGreaterThan(5);
    const started = await catalogSnapshot(db.sql, 'tickets_channel');
    expect(started.columns.channel?.notNull).toBe(false);
    expect(started.triggers).toEqual(['online_snn_fill_tickets_channel_channel_fa5dac9566']);
    expect(started.constraints.online_snn_tickets_channel_channel_fa5dac9566).toEqual({ type: 'c', validated: false });
    expect(started.onlineFunctions).toContain('online_snn_fill_tickets_channel_channel_fa5dac9566');

    expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    expect(await catalogSnapshot(db.sql, 'tickets_channel')).toEqual(before);
    expect(await leftovers(db.sql)).toEqual([]);
    // With the trigger gone, unaware inserts leave NULLs again: the second start must fill those too.
    const unfilled = async (): Promise<number> =>
      (await db.sql<{ n: number }[]>`select count(*)::int as n from tickets_channel where channel is null and id > 20000`)[0]?.n ?? 0;
    await eventually(unfilled, (n) => n > 0);

    await startMigration({ databaseUrl: db.url, spec, options });
    const [status] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
    expect(status?.state).toBe('awaiting_contract');
    expect(status?.backfill[0]).toMatchObject({ done: true, percent: 100 });
    // Unaware writers go on inserting: the trigger fills every one of their rows.
    await writers.waitForOperations(20);
    const [nulls] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets_channel where channel is null`;
    expect(nulls?.n).toBe(0);

    // The new application now writes the column; a default stands in for it, so inserts keep working after NOT NULL.
    await db.sql`alter table tickets_channel alter column channel set default 'api'`;
    expect(await completeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed', phase: 'done' });
    await expectCalmTraffic('set-not-null with backfill', writers);

    expect(await notNull(db.sql, 'tickets_channel', 'channel')).toBe(true);
    const after = await catalogSnapshot(db.sql, 'tickets_channel');
    expect(after.constraints).toEqual(before.constraints);
    expect(after.triggers).toEqual([]);
    expect(after.onlineFunctions).toEqual([]);
    expect(await leftovers(db.sql)).toEqual([]);
    const [wrong] = await db.sql<{ n: number; written: number }[]>`
      select count(*) filter (where channel is distinct from case
               when id > 20000 then 'api'
               when id % 5 <> 0 then case when id % 3 = 0 then 'chat' else 'web' end
               when id % 2 = 0 then 'email' else 'phone' end)::int as n,
             count(*) filter (where id > 20000)::int as written
      from tickets_channel`;
    expect(wrong?.n).toBe(0);
    expect(wrong?.written).toBeGreaterThan(0);
  });

  it('refuses to complete before the backfill finished, and rolls back cleanly', async () => {
    await createTickets(db.sql, 5_000, 'tickets_partial');
    await db.sql`alter table tickets_partial add column channel text`;
    const before = await catalogSnapshot(db.sql, 'tickets_partial');
    const spec = parseSpec(
      { operations: [{ op: 'set-not-null', table: 'tickets_partial', column: 'channel', backfill: "'email'" }] },
      'test',
    );
    const abort = new AbortController();
    const onEvent = (e: OnlineEvent): void => {
      if (e.type === 'batch') abort.abort();
    };
    const small = { ...options, batchSize: 100, minBatchSize: 100, maxBatchSize: 100 };
    await expect(startMigration({ databaseUrl: db.url, spec, options: small, signal: abort.signal, onEvent })).rejects.toBeInstanceOf(
      StoppedError,
    );

    await expectOnlineError(completeMigration({ databaseUrl: db.url, migration: spec.name }), BackfillIncompleteError, {
      exitCode: 2,
    });
    expect(await notNull(db.sql, 'tickets_partial', 'channel')).toBe(false);
    const [nulls] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets_partial where channel is null`;
    expect(nulls?.n).toBeGreaterThan(0);

    await rollbackMigration({ databaseUrl: db.url, migration: spec.name });
    expect(await catalogSnapshot(db.sql, 'tickets_partial')).toEqual(before);
    expect(await leftovers(db.sql)).toEqual([]);
  });

  it('without backfill on a column holding NULLs: complete fails with sample keys, rollback restores the catalog', async () => {
    await createTickets(db.sql, 5_000, 'tickets_nulls');
    await db.sql`alter table tickets_nulls alter column title drop not null`;
    await db.sql`update tickets_nulls set title = null where id in (7, 42, 4999)`;
    const before = await catalogSnapshot(db.sql, 'tickets_nulls');
    const spec = parseSpec({ operations: [{ op: 'set-not-null', table: 'tickets_nulls', column: 'title' }] }, 'test');
    // Updates too: the check only arrives in contract, so no write is refused before it.
    const writers = startWriters(db.url, { table: 'tickets_nulls', writers: 2 });

    expect(await startMigration({ databaseUrl: db.url, spec, options })).toMatchObject({ status: 'awaiting_contract' });
    const violation = await expectOnlineError(completeMigration({ databaseUrl: db.url, migration: spec.name }), DataViolationError, {
      exitCode: 1,
    });
    expect(violation.kind).toBe('violations');
    expect(violation.samples.map((s) => s.id).sort()).toEqual(['42', '4999', '7']);
    expect(violation.message).toMatch(/rows where title is NULL/);
    const [status] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
    expect(status?.state).toBe('failed');
    expect(await notNull(db.sql, 'tickets_nulls', 'title')).toBe(false);
    // The check added just before VALIDATE went with the failure: the rows still NULL take updates.
    expect(await catalogSnapshot(db.sql, 'tickets_nulls')).toEqual(before);
    await db.sql`update tickets_nulls set updated_at = now() where id in (7, 42, 4999)`;

    expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    await expectCalmTraffic('set-not-null failing on NULLs', writers);
    expect(await catalogSnapshot(db.sql, 'tickets_nulls')).toEqual(before);
    expect(await leftovers(db.sql)).toEqual([]);
    const [nulls] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets_nulls where title is null`;
    expect(nulls?.n).toBe(3);
  });

  it('SET NOT NULL in contract skips the table scan: the validated check proves the column', async () => {
    await createTickets(db.sql, 1_000, 'tickets_scan');
    await db.sql`alter table tickets_scan alter column status drop not null`;
    const spec = parseSpec({ operations: [{ op: 'set-not-null', table: 'tickets_scan', column: 'status' }] }, 'test');
    const plan = await planMigration({ databaseUrl: db.url, spec });
    const debug: string[] = [];
    const sql = postgres(db.url, { max: 1, onnotice: (n) => debug.push(String(n.message)) });
    try {
      for (const step of [...plan.expand, ...plan.contract]) {
        await sql.begin(async (tx) => {
          await tx.unsafe('set local client_min_messages = debug1');
          for (const statement of step.statements) await tx.unsafe(statement);
        });
      }
    } finally {
      await sql.end();
    }
    expect(debug).toContain('existing constraints on column "tickets_scan.status" are sufficient to prove that it does not contain nulls');
    expect(await notNull(db.sql, 'tickets_scan', 'status')).toBe(true);
    expect(await leftovers(db.sql)).toEqual([]);
  });
});

describe('set-not-null bad input fails pre-flight with exit 2 and changes nothing', () => {
  const db = useTestDatabase('set_not_null_bad');
  beforeAll(async () => {
    await createTickets(db.sql, 100);
    await db.sql`alter table tickets add column channel text`;
    await db.sql`alter table tickets add column title_length int generated always as (length(title)) stored`;
  });

  it.each([
    ['an unknown table', { table: 'nope', column: 'channel' }, 'TABLE_NOT_FOUND', /table public\.nope does not exist/],
    ['an unknown column', { table: 'tickets', column: 'nope' }, 'COLUMN_NOT_FOUND', /column nope does not exist on public\.tickets/],
    [
      'a column already NOT NULL',
      { table: 'tickets', column: 'status' },
      'ALREADY_NOT_NULL',
      /status of public\.tickets is already NOT NULL; there is nothing to do/,
    ],
    [
      'a backfill that does not compile',
      { table: 'tickets', column: 'channel', backfill: 'CASE WHEN nonexistent THEN 1 END' },
      'INVALID_EXPRESSION',
      /column "nonexistent" does not exist/,
    ],
    [
      'a backfill of the wrong type',
      { table: 'tickets', column: 'resolved_at', backfill: 'escalated' },
      'INVALID_EXPRESSION',
      /backfill expression does not compile/,
    ],
    [
      'a backfill that tries to escape',
      { table: 'tickets', column: 'channel', backfill: "'x'), status = ('y'" },
      'INVALID_EXPRESSION',
      /unbalanced/,
    ],
    [
      'a backfill of a generated column',
      { table: 'tickets', column: 'title_length', backfill: '0' },
      'GENERATED_COLUMN',
      /title_length of public\.tickets is generated/,
    ],
  ])('%s', async (_case, fields, code, message) => {
    const before = await catalogSnapshot(db.sql, 'tickets');
    await preflightRefusal(db.url, { op: 'set-not-null', ...fields }, options, { code, message });
    expect(await catalogSnapshot(db.sql, 'tickets')).toEqual(before);
    const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    expect(state?.exists).toBe(false);
  });
});
