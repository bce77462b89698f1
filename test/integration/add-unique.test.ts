import type postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  completeMigration,
  DataViolationError,
  migrationStatus,
  NameTakenError,
  parseSpec,
  PreflightError,
  resumeMigration,
  rollbackMigration,
  startMigration,
} from '../../src/index.js';
import { addUnique, addUniqueSpec } from '../../src/operations/add-unique.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { expectCalmTraffic, startWriters } from '../support/concurrent-writers.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { lifecycleTest } from '../support/lifecycle-cases.js';
import { preflightRefusal } from '../support/preflight-refusal.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

const lockTimeoutMs = 1_000;
const options = { lockTimeoutMs };

interface IndexRow {
  name: string;
  oid: number;
  valid: boolean;
  unique: boolean;
  definition: string;
}

/** Every index of the table, valid or not, with its oid (to tell "kept" from "rebuilt"). */
async function indexes(sql: postgres.Sql, table: string): Promise<IndexRow[]> {
  return sql<IndexRow[]>`
    select c.relname as name, c.oid::int as oid, i.indisvalid as valid, i.indisunique as unique, pg_get_indexdef(c.oid) as definition
    from pg_index i join pg_class c on c.oid = i.indexrelid where i.indrelid = ${table}::regclass order by 1`;
}

async function invalidIndexes(sql: postgres.Sql, table: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from pg_index where indrelid = ${table}::regclass and not indisvalid`;
  return row?.n ?? -1;
}

async function constraint(sql: postgres.Sql, table: string, name: string) {
  const [row] = await sql<{ type: string; validated: boolean; indexOid: number; definition: string }[]>`
    select contype::text as type, convalidated as validated, conindid::int as "indexOid", pg_get_constraintdef(oid) as definition
    from pg_constraint where conrelid = ${table}::regclass and conname = ${name}`;
  return row;
}

describe('add-unique: a unique index built concurrently, then attached with USING INDEX', () => {
  const db = useTestDatabase('add_unique');
  beforeAll(async () => {
    await createTickets(db.sql, 20_000);
    // Unique for every row, including the writers' inserts, which know nothing of the column.
    await db.sql`alter table tickets add column ref uuid not null default gen_random_uuid()`;
  });

  lifecycleTest(db, {
    name: 'start → rollback → start → complete under concurrent writers, leaving a validated constraint on its index',
    spec: parseSpec({ operations: [{ op: 'add-unique', table: 'tickets', columns: ['ref'] }] }, 'test'),
    options,
    seed: async (db, spec) => {
      expect(spec.name).toBe('add-unique-tickets-ref');
      return { before: await catalogSnapshot(db.sql), indexesBefore: await indexes(db.sql, 'tickets'), oids: { built: 0, rebuilt: 0 } };
    },
    afterStart: async ({ db, state }) => {
      const built = (await indexes(db.sql, 'tickets')).find((i) => i.name === 'tickets_ref_key');
      expect(built).toMatchObject({
        valid: true,
        unique: true,
        definition: 'CREATE UNIQUE INDEX tickets_ref_key ON public.tickets USING btree (ref)',
      });
      expect(await constraint(db.sql, 'tickets', 'tickets_ref_key')).toBeUndefined();
      expect((await catalogSnapshot(db.sql)).constraints).toEqual(state.before.constraints);
      state.oids.built = built?.oid ?? 0;
    },
    afterRollback: async ({ db, spec, state }) => {
      expect(await catalogSnapshot(db.sql)).toEqual(state.before);
      expect(await indexes(db.sql, 'tickets')).toEqual(state.indexesBefore);
      expect(await invalidIndexes(db.sql, 'tickets')).toBe(0);
      expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    },
    afterRestart: async ({ db, spec, state }) => {
      const [status] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
      expect(status).toMatchObject({ state: 'awaiting_contract', phase: 'contract' });
      const rebuilt = (await indexes(db.sql, 'tickets')).find((i) => i.name === 'tickets_ref_key');
      expect(rebuilt?.valid).toBe(true);
      expect(rebuilt?.oid).not.toBe(state.oids.built);
      state.oids.rebuilt = rebuilt?.oid ?? 0;
    },
    afterComplete: async ({ db, state: { before, oids } }) => {
      expect(await constraint(db.sql, 'tickets', 'tickets_ref_key')).toEqual({
        type: 'u',
        validated: true,
        indexOid: oids.rebuilt,
        definition: 'UNIQUE (ref)',
      });
      expect(await invalidIndexes(db.sql, 'tickets')).toBe(0);
      const after = await catalogSnapshot(db.sql);
      expect(after.constraints).toEqual({ ...before.constraints, tickets_ref_key: { type: 'u', validated: true } });
      expect(after.columns).toEqual(before.columns);
      // The constraint is enforced on rows old and new.
      const [{ ref } = { ref: '' }] = await db.sql<{ ref: string }[]>`select ref from tickets where id = 1`;
      await expect(db.sql`insert into tickets (title, ref) values ('copy', ${ref})`).rejects.toMatchObject({
        code: '23505',
        constraint_name: 'tickets_ref_key',
      });
      const [inserted] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets where id > 20000`;
      expect(inserted?.n).toBeGreaterThan(0);
    },
  });

  it('keeps an existing valid index of the same name and definition (same oid), on rollback too, and completes', async () => {
    await createTickets(db.sql, 5_000, 'kept');
    await db.sql`create unique index kept_id_title_key on kept (id, title)`;
    const [original] = await indexes(db.sql, 'kept').then((rows) => rows.filter((i) => i.name === 'kept_id_title_key'));
    const spec = parseSpec({ operations: [{ op: 'add-unique', table: 'kept', columns: ['id', 'title'] }] }, 'test');
    const writers = startWriters(db.url, { writers: 2, table: 'kept' });

    const plan = await addUnique.prepare({ sql: db.sql, serverVersionNum: 170000 }, addUniqueSpec.parse(spec.operations[0]));
    expect(plan.warnings).toEqual(['index kept_id_title_key already exists with this definition: it is used as is, and rollback keeps it']);
    expect(plan.rollback).toEqual([]);

    await startMigration({ databaseUrl: db.url, spec, options });
    expect((await indexes(db.sql, 'kept')).find((i) => i.name === 'kept_id_title_key')).toEqual(original);
    await rollbackMigration({ databaseUrl: db.url, migration: spec.name });
    expect((await indexes(db.sql, 'kept')).find((i) => i.name === 'kept_id_title_key')).toEqual(original);
    await startMigration({ databaseUrl: db.url, spec, options });
    await completeMigration({ databaseUrl: db.url, migration: spec.name });
    await expectCalmTraffic('add-unique with a kept index', writers);

    expect(await constraint(db.sql, 'kept', 'kept_id_title_key')).toEqual({
      type: 'u',
      validated: true,
      indexOid: original?.oid,
      definition: 'UNIQUE (id, title)',
    });
    expect(await invalidIndexes(db.sql, 'kept')).toBe(0);
    const [status] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
    expect(status?.state).toBe('completed');
  });

  it('warns when a primary key or unique index already enforces the same uniqueness', async () => {
    const plan = await addUnique.prepare(
      { sql: db.sql, serverVersionNum: 170000 },
      addUniqueSpec.parse({ op: 'add-unique', table: 'tickets', columns: ['id'] }),
    );
    expect(plan.warnings).toEqual(['public.tickets is already unique on (id) through index tickets_pkey']);
    expect(plan.rollback).toHaveLength(1);
  });

  it('rebuilds an invalid leftover of the same name', async () => {
    await createTickets(db.sql, 2_000, 'leftover');
    await db.sql`update leftover set title = 'same' where id <= 2`;
    // A failed concurrent build leaves an INVALID index behind.
    await db.sql`create unique index concurrently leftover_title_key on leftover (title)`.catch(() => undefined);
    const [invalid] = await indexes(db.sql, 'leftover').then((rows) => rows.filter((i) => i.name === 'leftover_title_key'));
    expect(invalid?.valid).toBe(false);
    await db.sql`update leftover set title = 'ticket ' || id where id <= 2`;

    const spec = parseSpec({ operations: [{ op: 'add-unique', table: 'leftover', columns: ['title'] }] }, 'test');
    const writers = startWriters(db.url, { writers: 2, table: 'leftover', updates: false });
    const result = await startMigration({ databaseUrl: db.url, spec, options: { ...options, complete: true } });
    await expectCalmTraffic('add-unique over an invalid leftover', writers);
    expect(result).toMatchObject({ status: 'completed' });
    const [rebuilt] = await indexes(db.sql, 'leftover').then((rows) => rows.filter((i) => i.name === 'leftover_title_key'));
    expect(rebuilt?.valid).toBe(true);
    expect(rebuilt?.oid).not.toBe(invalid?.oid);
    expect(await constraint(db.sql, 'leftover', 'leftover_title_key')).toMatchObject({
      type: 'u',
      validated: true,
      indexOid: rebuilt?.oid,
    });
    expect(await invalidIndexes(db.sql, 'leftover')).toBe(0);
  });
});

describe('add-unique over duplicate values', () => {
  const db = useTestDatabase('add_unique_dups');
  beforeAll(async () => {
    await createTickets(db.sql, 2_000, 'contacts');
    await db.sql`alter table contacts add column email text`;
    await db.sql`update contacts set email = case when id <= 3 then 'a@x' when id <= 5 then 'b@x' when id <= 8 then null else 'u' || id || '@x' end`;
  });

  const spec = parseSpec({ operations: [{ op: 'add-unique', table: 'contacts', columns: ['email'] }] }, 'test');

  it('fails with the duplicates and their counts, leaves no invalid index, and rolls back to the catalog as before', async () => {
    const before = await catalogSnapshot(db.sql, 'contacts');
    const indexesBefore = await indexes(db.sql, 'contacts');
    // The writers insert rows with a NULL email: NULLs never conflict.
    const writers = startWriters(db.url, { writers: 2, table: 'contacts' });
    const error = await expectOnlineError(startMigration({ databaseUrl: db.url, spec, options }), DataViolationError, { exitCode: 1 });
    expect(error.kind).toBe('duplicates');
    expect(error.samples).toEqual([
      { email: 'a@x', count: '3' },
      { email: 'b@x', count: '2' },
    ]);
    expect(error.message).toContain('duplicate (email) values (with their counts), e.g. (a@x, 3), (b@x, 2)');
    expect(await invalidIndexes(db.sql, 'contacts')).toBe(0);
    expect(await indexes(db.sql, 'contacts')).toEqual(indexesBefore);
    const [status] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
    expect(status).toMatchObject({ state: 'failed', phase: 'expand', error: { code: 'DATA_VIOLATION' } });

    expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    await expectCalmTraffic('add-unique failing on duplicates', writers);
    expect(await catalogSnapshot(db.sql, 'contacts')).toEqual(before);
    expect(await indexes(db.sql, 'contacts')).toEqual(indexesBefore);
  });

  it('resumes once the data is fixed', async () => {
    const writers = startWriters(db.url, { writers: 2, table: 'contacts' });
    await expectOnlineError(startMigration({ databaseUrl: db.url, spec, options }), DataViolationError, { exitCode: 1 });
    await db.sql`update contacts set email = 'u' || id || '@x' where id in (2, 3, 5)`;
    expect(await resumeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'awaiting_contract' });
    expect(await completeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
    await expectCalmTraffic('add-unique resumed after fixing the data', writers);
    expect(await constraint(db.sql, 'contacts', 'contacts_email_key')).toMatchObject({
      type: 'u',
      validated: true,
      definition: 'UNIQUE (email)',
    });
    expect(await invalidIndexes(db.sql, 'contacts')).toBe(0);
  });
});

describe('add-unique bad input exits 2 and changes nothing', () => {
  const db = useTestDatabase('add_unique_bad');
  beforeAll(async () => {
    await createTickets(db.sql, 100);
    await db.sql`alter table tickets add constraint tickets_status_key check (status <> '')`;
    await db.sql`create table tickets_title_key (id int)`;
    await db.sql`create table other (title text)`;
    await db.sql`create unique index tickets_escalated_key on other (title)`;
    await db.sql`create unique index tickets_description_key on tickets (lower(description))`;
  });

  async function expectRefused(operation: Record<string, unknown>, type: typeof PreflightError, message: RegExp): Promise<void> {
    const before = await catalogSnapshot(db.sql);
    const indexesBefore = await indexes(db.sql, 'tickets');
    await preflightRefusal(db.url, { op: 'add-unique', table: 'tickets', ...operation }, options, { type, message });
    expect(await catalogSnapshot(db.sql)).toEqual(before);
    expect(await indexes(db.sql, 'tickets')).toEqual(indexesBefore);
    const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    expect(state?.exists).toBe(false);
  }

  it('an unknown column, named in the message', async () => {
    await expectRefused({ columns: ['title', 'emial'] }, PreflightError, /column emial of public\.tickets does not exist/);
  });

  it('a column listed twice', async () => {
    await expectRefused({ columns: ['title', 'title'] }, PreflightError, /column title is listed twice/);
  });

  it('a name taken by a constraint of the table', async () => {
    await expectRefused({ columns: ['status'] }, NameTakenError, /already has a constraint named tickets_status_key/);
  });

  it('a name taken by another relation', async () => {
    await expectRefused({ columns: ['title'] }, NameTakenError, /public\.tickets_title_key already exists and is not an index/);
  });

  it('a name taken by an index of another table', async () => {
    await expectRefused({ columns: ['escalated'] }, NameTakenError, /already exists on another table, public\.other/);
  });

  it('a name taken by an index with another definition', async () => {
    await expectRefused(
      { columns: ['description'] },
      NameTakenError,
      /already exists with a different definition \(UNIQUE USING btree \(lower\(description\)\)\)/,
    );
  });

  it('PostgreSQL 14.0–14.3', async () => {
    const spec = addUniqueSpec.parse({ op: 'add-unique', table: 'tickets', columns: ['title'], name: 'fresh_key' });
    await expectOnlineError(addUnique.prepare({ sql: db.sql, serverVersionNum: 140002 }, spec), PreflightError, {
      exitCode: 2,
      message: /14\.2 can corrupt indexes built CONCURRENTLY/,
    });
  });
});
