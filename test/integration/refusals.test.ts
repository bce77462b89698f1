import { beforeAll, describe, expect, it } from 'vitest';
import { completeMigration, parseSpec, PreflightError, startMigration } from '../../src/index.js';
import { databaseSnapshot } from '../support/catalog-snapshot.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { useTestDatabase } from '../support/test-database.js';

// What online cannot migrate is refused in pre-flight (exit 2), saying why, with nothing changed.
describe('refused in pre-flight, saying why, with nothing changed', () => {
  const db = useTestDatabase('refusals');
  beforeAll(async () => {
    await db.sql.unsafe(`
      create table plain (id bigint primary key, v int);
      insert into plain select g, g from generate_series(1, 100) g;
      create view plain_view as select * from plain;
      create materialized view plain_matview as select * from plain;
      create sequence plain_seq;
      create foreign data wrapper no_handler;
      create server nowhere foreign data wrapper no_handler;
      create foreign table remote (id int) server nowhere;
      create schema ledger;
      create table ledger.notes (id int primary key, body text);
      -- partitioned, without a key (each partition is paged by ctid)
      create table events (id bigint not null, at date not null, v int, note text, ref int) partition by range (at);
      create table events_2024 partition of events for values from ('2024-01-01') to ('2025-01-01');
      create index events_v_idx on events (v);
      insert into events select g, date '2024-01-01' + (g % 300), g, null, g % 10 from generate_series(1, 500) g;
      -- partitioned, with a foreign-table partition: no batches can run there
      create table farflung (id bigint not null, at date not null) partition by range (at);
      create table farflung_local partition of farflung for values from ('2024-01-01') to ('2025-01-01');
      create foreign table farflung_remote partition of farflung for values from ('2025-01-01') to ('2026-01-01') server nowhere;
      -- partitioned, with a primary key: what works on it keeps working
      create table keyed (id bigint not null, at date not null, v int, w int, note text, primary key (id, at)) partition by range (at);
      create table keyed_2024 partition of keyed for values from ('2024-01-01') to ('2025-01-01');
      insert into keyed select g, date '2024-01-01' + (g % 300), g, g, nullif('x', case when g % 3 = 0 then 'x' end) from generate_series(1, 500) g;
      create table refd (id int primary key);
      insert into refd select g from generate_series(0, 9) g;
      alter table events add foreign key (ref) references refd (id);`);
    // The ledger exists, with one migration in it.
    await startMigration({
      databaseUrl: db.url,
      spec: parseSpec({ name: 'ledger-exists', operations: [{ op: 'add-check', table: 'plain', check: 'v > 0' }] }, 'test'),
    });
  });

  async function refused(operation: Record<string, unknown>, message: RegExp, stateSchema?: string): Promise<void> {
    const before = await databaseSnapshot(db.sql);
    const spec = parseSpec({ operations: [operation] }, 'test');
    await expectOnlineError(
      startMigration({ databaseUrl: db.url, spec, ...(stateSchema === undefined ? {} : { stateSchema }) }),
      PreflightError,
      { exitCode: 2, message },
    );
    expect(await databaseSnapshot(db.sql)).toEqual(before);
  }

  it.each([
    [
      { op: 'add-column', schema: 'pg_catalog', table: 'pg_class', column: 'c', type: 'text' },
      /pg_catalog\.pg_class is in a system schema/,
    ],
    [
      { op: 'set-not-null', schema: 'information_schema', table: 'sql_features', column: 'comments' },
      /information_schema\.sql_features is in a system schema/,
    ],
    [{ op: 'add-check', schema: 'pg_toast', table: 'pg_toast_2619', check: 'true' }, /pg_toast\.pg_toast_2619 is in a system schema/],
    [
      { op: 'add-column', schema: 'online_migrate', table: 'migrations', column: 'c', type: 'text', backfill: "'x'" },
      /online_migrate\.migrations belongs to online's state schema/,
    ],
    [
      { op: 'create-table', schema: 'online_migrate', table: 'extra', columns: [{ name: 'id', type: 'int' }] },
      /online_migrate\.extra belongs to online's state schema/,
    ],
    [
      {
        op: 'add-foreign-key',
        table: 'refd',
        columns: ['id'],
        references: { schema: 'online_migrate', table: 'schema_version', columns: ['version'] },
      },
      /online_migrate\.schema_version belongs to online's state schema/,
    ],
  ])('a system or state table: %j', async (operation, message) => {
    await refused(operation, message);
  });

  it('a table in a state schema given with --state-schema, even before the ledger is created there', async () => {
    await refused(
      { op: 'add-column', schema: 'ledger', table: 'notes', column: 'c', type: 'text' },
      /ledger\.notes belongs to online's state schema/,
      'ledger',
    );
  });

  it('a table of another ledger than this run’s, recognized by its tables', async () => {
    await startMigration({
      databaseUrl: db.url,
      stateSchema: 'other_ledger',
      spec: parseSpec({ name: 'other-ledger-exists', operations: [{ op: 'add-check', table: 'refd', check: 'id >= 0' }] }, 'test'),
    });
    await refused(
      { op: 'add-column', schema: 'other_ledger', table: 'steps', column: 'c', type: 'text' },
      /other_ledger\.steps belongs to online's state schema/,
    );
  });

  it.each([
    ['plain_view', /public\.plain_view is a view, not a table/],
    ['plain_matview', /public\.plain_matview is a materialized view, not a table/],
    ['remote', /public\.remote is a foreign table, not a table/],
    ['plain_seq', /public\.plain_seq is a sequence, not a table/],
    ['plain_pkey', /public\.plain_pkey is an index, not a table/],
    ['nothing_here', /table public\.nothing_here does not exist/],
  ])('%s named as the table', async (table, message) => {
    await refused({ op: 'add-column', table, column: 'c', type: 'text' }, message);
  });

  it.each([
    [
      'a backfill of a partitioned table with a foreign-table partition',
      { op: 'add-column', table: 'farflung', column: 'c', type: 'text', backfill: "'x'" },
      /public\.farflung_remote is a foreign-table partition of public\.farflung: online cannot run backfill batches on a foreign table/,
    ],
    [
      'change-type of the partition key',
      { op: 'change-type', table: 'keyed', column: 'at', type: 'timestamptz' },
      /column at is part of the partition key of public\.keyed \(at\): online cannot rebuild/,
    ],
    [
      'a backfill that sets the partition key',
      { op: 'backfill', table: 'keyed', set: { at: 'at + 1' } },
      /column at is part of the partition key of public\.keyed \(at\): online cannot set it/,
    ],
    [
      'change-type of an indexed column',
      { op: 'change-type', table: 'events', column: 'v', type: 'bigint' },
      /public\.events is partitioned: index events_v_idx on v would have to be built again/,
    ],
    [
      'rename-column of a column with a foreign key',
      { op: 'rename-column', table: 'refd', column: 'id', to: 'refd_id' },
      /foreign key events_ref_fkey of public\.events would have to be added again/,
    ],
    [
      'a unique index without the partition key',
      { op: 'create-index', table: 'events', columns: ['note'], unique: true },
      /unique index events_note_idx must include every partition key column as a key column, and lacks at \(partition key of public\.events\)/,
    ],
    [
      'drop-index of a partition’s part of one',
      { op: 'drop-index', table: 'events_2024', name: 'events_2024_v_idx' },
      /index events_2024_v_idx is attached to partitioned index events_v_idx/,
    ],
    [
      'add-column on a partition',
      { op: 'add-column', table: 'events_2024', column: 'c', type: 'text' },
      /public\.events_2024 is a partition of public\.events: .* refuses to add a column to a partition alone/,
    ],
    [
      'rename-column on a partition',
      { op: 'rename-column', table: 'events_2024', column: 'note', to: 'memo', instant: true },
      /refuses to rename a column of a partition alone/,
    ],
    [
      'change-type on a partition',
      { op: 'change-type', table: 'events_2024', column: 'note', type: 'varchar(100)' },
      /refuses to add a column to a partition alone/,
    ],
  ])('partitioned: %s', async (_what, operation, message) => {
    await refused(operation, message);
  });

  it('partitioned with a primary key: add-column with backfill, set-not-null with backfill and change-type of an unindexed column work', async () => {
    const spec = parseSpec(
      {
        name: 'keyed-works',
        operations: [
          { op: 'add-column', table: 'keyed', column: 'label', type: 'text', backfill: "'n' || v", nullable: false },
          { op: 'change-type', table: 'keyed', column: 'w', type: 'bigint' },
          { op: 'set-not-null', table: 'keyed', column: 'note', backfill: "'none'" },
        ],
      },
      'test',
    );
    await startMigration({ databaseUrl: db.url, spec });
    await db.sql`insert into keyed (id, at, v, w) values (1000, '2024-06-01', 7, 7)`;
    expect(await completeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
    const [check] = await db.sql<{ wrong: number; type: string }[]>`
      select (select count(*)::int from keyed where label is distinct from 'n' || v or v <> w or note is null) as wrong,
             format_type((select atttypid from pg_attribute where attrelid = 'keyed'::regclass and attname = 'w'), null) as type`;
    expect(check).toEqual({ wrong: 0, type: 'bigint' });
  });
});
