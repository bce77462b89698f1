// Every operation's lifecycle case for the PostgreSQL version suites: the tables it starts from, the
// application traffic that runs through it, and what must be true once it is complete.
import type postgres from 'postgres';
import { expect } from 'vitest';
import { accountKeyTypes, createAccountTables, disputesTable, ledgerProblems, startAccountWorkload } from './account-workload.js';
import { startShapeWriters } from './shape-writers.js';

/** Rows in `items` before the migration; ids 1…seededItems. */
export const seededItems = 3_000;

/**
 * `items`: a column for each single-table operation to work on. Every tenth note is NULL (set-not-null
 * fills them), every third row is `legacy` (the data migration turns them `modern`).
 */
export const itemsSetup = `
  create table items (
    id bigint generated always as identity primary key,
    name text not null,
    qty int not null,
    code text not null,
    note text,
    kind text not null,
    legacy text
  );
  insert into items (name, qty, code, note, kind, legacy)
  select 'item ' || g, g % 100, 'code-' || g, case when g % 10 = 0 then null else 'note ' || g end,
         case when g % 3 = 0 then 'legacy' else 'modern' end, 'old ' || g
  from generate_series(1, ${seededItems}) g;
  create index items_qty_idx on items (qty);
  analyze items;`;

/** Application traffic that knows nothing of the migration: what a case runs its lifecycle under. */
export interface Traffic {
  /** Resolves once some more of the application's work has been done. */
  progress(): Promise<void>;
  /** Stops it; every error it met, and what is wrong with its data (empty: nothing). */
  stop(sql: postgres.Sql): Promise<{ readonly work: number; readonly errors: readonly string[]; readonly problems: readonly string[] }>;
}

/** Inserts new items and updates seeded ones' quantities, from three sessions. */
export function itemWriters(url: string): Traffic {
  const writers = startShapeWriters(url, {
    seeded: seededItems,
    writers: 3,
    insert: (sql, n) =>
      sql`insert into items (name, qty, code, note, kind) values (${`item ${n}`}, ${n % 100}, ${`code-${n}`}, ${`note ${n}`}, 'modern')`,
    update: (sql, n) => sql`update items set qty = qty + 1 where id = ${n}`,
  });
  return {
    progress: () => writers.waitForOperations(60),
    async stop() {
      const report = await writers.stop();
      return { work: report.inserts + report.updates, errors: report.errors, problems: [] };
    },
  };
}

/** Payments into accounts logged in `history`, taking the two tables in both lock orders. */
export function accountPayments(url: string): Traffic {
  const workload = startAccountWorkload(url, { sessionsPerOrder: 2, hotSessions: 1 });
  return {
    progress: () => workload.waitForTransactions(60),
    async stop(sql) {
      const report = await workload.stop();
      return { work: report.transactions, errors: report.errors, problems: await ledgerProblems(sql, report.transactions) };
    },
  };
}

export interface LifecycleCase {
  /** The operation; also the test's name. */
  readonly op: string;
  /** SQL run on the case's fresh database, or a function for the account tables. */
  readonly setup: string | ((sql: postgres.Sql) => Promise<void>);
  readonly operation: Readonly<Record<string, unknown>>;
  readonly traffic: (url: string) => Traffic;
  /** Columns whose NOT NULL the contract sets through a validated CHECK, as `table.column` in PostgreSQL's DEBUG message. */
  readonly provesNotNull?: RegExp;
  /** What must hold once the lifecycle is complete; `major` is the server's major version. */
  readonly verify: (sql: postgres.Sql, major: number) => Promise<void>;
}

async function scalar<T>(sql: postgres.Sql, query: string): Promise<T | undefined> {
  const [row] = await sql.unsafe<{ v: T }[]>(query);
  return row?.v;
}

async function columnsOf(sql: postgres.Sql, table: string): Promise<string[]> {
  const rows = await sql<
    { name: string }[]
  >`select attname as name from pg_attribute where attrelid = ${table}::regclass and attnum > 0 and not attisdropped order by attnum`;
  return rows.map((r) => r.name);
}

/** PostgreSQL 18's own NOT NULL constraints (contype 'n') on a table: `name: definition`, validated only. */
export async function notNullConstraints(sql: postgres.Sql, table: string): Promise<string[]> {
  const rows = await sql<{ c: string }[]>`
    select conname || ': ' || pg_get_constraintdef(oid) as c from pg_constraint where conrelid = ${table}::regclass and contype = 'n' and convalidated order by 1`;
  return rows.map((r) => r.c);
}

async function validatedForeignKeys(sql: postgres.Sql, table: string): Promise<string[]> {
  const rows = await sql<{ definition: string }[]>`
    select pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = ${table}::regclass and contype = 'f' and convalidated order by 1`;
  return rows.map((r) => r.definition);
}

/** The column is NOT NULL; from 18 on through a constraint of its own, named `constraint` (by default as PostgreSQL names it). */
async function expectNotNull(
  sql: postgres.Sql,
  table: string,
  column: string,
  major: number,
  constraint = `${table}_${column}_not_null`,
): Promise<void> {
  expect(
    await scalar<boolean>(sql, `select attnotnull as v from pg_attribute where attrelid = '${table}'::regclass and attname = '${column}'`),
  ).toBe(true);
  if (major >= 18) expect(await notNullConstraints(sql, table)).toContain(`${constraint}: NOT NULL ${column}`);
}

export const lifecycleCases: readonly LifecycleCase[] = [
  {
    op: 'add-column',
    setup: itemsSetup,
    operation: {
      op: 'add-column',
      table: 'items',
      column: 'label',
      type: 'text',
      default: "'none'",
      backfill: 'upper(name)',
      nullable: false,
    },
    traffic: itemWriters,
    provesNotNull: /"items\.label"/,
    async verify(sql, major) {
      expect(
        await scalar<number>(sql, `select count(*)::int as v from items where id <= ${seededItems} and label is distinct from upper(name)`),
      ).toBe(0);
      // Rows the application inserted got the backfill's value from the fill trigger, or the default once it was gone.
      expect(
        await scalar<number>(sql, `select count(*)::int as v from items where label is distinct from upper(name) and label <> 'none'`),
      ).toBe(0);
      await expectNotNull(sql, 'items', 'label', major);
    },
  },
  {
    op: 'create-index',
    setup: itemsSetup,
    operation: { op: 'create-index', table: 'items', name: 'items_kind_lower_name_idx', columns: ['kind'], expressions: ['lower(name)'] },
    traffic: itemWriters,
    async verify(sql) {
      expect(
        await scalar<boolean>(
          sql,
          `select indisvalid and indisready as v from pg_index where indexrelid = 'items_kind_lower_name_idx'::regclass`,
        ),
      ).toBe(true);
      expect(await scalar<string>(sql, `select pg_get_indexdef('items_kind_lower_name_idx'::regclass) as v`)).toBe(
        'CREATE INDEX items_kind_lower_name_idx ON public.items USING btree (kind, lower(name))',
      );
    },
  },
  {
    op: 'drop-index',
    setup: itemsSetup,
    operation: { op: 'drop-index', table: 'items', name: 'items_qty_idx' },
    traffic: itemWriters,
    async verify(sql) {
      expect(await scalar<string | null>(sql, `select to_regclass('items_qty_idx')::text as v`)).toBeNull();
    },
  },
  {
    op: 'add-unique',
    setup: itemsSetup,
    operation: { op: 'add-unique', table: 'items', columns: ['code'], name: 'items_code_key' },
    traffic: itemWriters,
    async verify(sql) {
      expect(
        await scalar<string>(
          sql,
          `select pg_get_constraintdef(oid) as v from pg_constraint where conname = 'items_code_key' and contype = 'u' and convalidated`,
        ),
      ).toBe('UNIQUE (code)');
      expect(
        await scalar<boolean>(sql, `select indisvalid and indisunique as v from pg_index where indexrelid = 'items_code_key'::regclass`),
      ).toBe(true);
    },
  },
  {
    op: 'add-check',
    setup: itemsSetup,
    operation: { op: 'add-check', table: 'items', check: 'qty >= 0', name: 'items_qty_check' },
    traffic: itemWriters,
    async verify(sql) {
      expect(
        await scalar<string>(
          sql,
          `select pg_get_constraintdef(oid) as v from pg_constraint where conname = 'items_qty_check' and convalidated`,
        ),
      ).toBe('CHECK ((qty >= 0))');
    },
  },
  {
    op: 'add-foreign-key',
    setup: (sql) => createAccountTables(sql),
    operation: { op: 'add-foreign-key', table: 'history', columns: ['account_id'], references: { table: 'accounts', columns: ['id'] } },
    traffic: accountPayments,
    async verify(sql) {
      expect(await validatedForeignKeys(sql, 'history')).toEqual(['FOREIGN KEY (account_id) REFERENCES accounts(id)']);
    },
  },
  {
    op: 'set-not-null',
    setup: itemsSetup,
    operation: { op: 'set-not-null', table: 'items', column: 'note', backfill: "'n/a'" },
    traffic: itemWriters,
    provesNotNull: /"items\.note"/,
    async verify(sql, major) {
      expect(
        await scalar<number>(
          sql,
          `select count(*)::int as v from items where id <= ${seededItems} and id % 10 = 0 and note is distinct from 'n/a'`,
        ),
      ).toBe(0);
      expect(await scalar<number>(sql, `select count(*)::int as v from items where note = 'n/a'`)).toBe(seededItems / 10);
      await expectNotNull(sql, 'items', 'note', major);
      expect(
        await scalar<number>(sql, `select count(*)::int as v from pg_constraint where conrelid = 'items'::regclass and contype = 'c'`),
      ).toBe(0);
    },
  },
  {
    op: 'change-type',
    setup: (sql) => createAccountTables(sql, { historyForeignKey: true }),
    operation: { op: 'change-type', table: 'accounts', column: 'id', type: 'bigint' },
    traffic: accountPayments,
    provesNotNull: /"accounts\..+"/,
    async verify(sql, major) {
      expect(await accountKeyTypes(sql)).toEqual([
        { table: 'accounts', type: 'bigint' },
        { table: 'history', type: 'bigint' },
      ]);
      expect(await validatedForeignKeys(sql, 'history')).toEqual(['FOREIGN KEY (account_id) REFERENCES accounts(id)']);
      expect(
        await scalar<string>(
          sql,
          `select pg_get_constraintdef(oid) as v from pg_constraint where conrelid = 'accounts'::regclass and contype = 'p'`,
        ),
      ).toBe('PRIMARY KEY (id)');
      // The rebuilt columns keep their NOT NULL constraints' names (18), as ALTER COLUMN TYPE would.
      await expectNotNull(sql, 'accounts', 'id', major);
      await expectNotNull(sql, 'history', 'account_id', major);
    },
  },
  {
    op: 'rename-column',
    setup: (sql) => createAccountTables(sql, { historyForeignKey: true }),
    operation: { op: 'rename-column', table: 'accounts', column: 'id', to: 'account_id' },
    traffic: accountPayments,
    async verify(sql, major) {
      expect(await columnsOf(sql, 'accounts')).toEqual(['n', 'balance', 'account_id']);
      expect(await validatedForeignKeys(sql, 'history')).toEqual(['FOREIGN KEY (account_id) REFERENCES accounts(account_id)']);
      expect(
        await scalar<string>(
          sql,
          `select pg_get_constraintdef(oid) as v from pg_constraint where conrelid = 'accounts'::regclass and contype = 'p'`,
        ),
      ).toBe('PRIMARY KEY (account_id)');
      // The NOT NULL constraint keeps its name (18), as RENAME COLUMN would.
      await expectNotNull(sql, 'accounts', 'account_id', major, 'accounts_id_not_null');
    },
  },
  {
    op: 'drop-column',
    setup: itemsSetup,
    operation: { op: 'drop-column', table: 'items', column: 'legacy' },
    traffic: itemWriters,
    async verify(sql) {
      expect(await columnsOf(sql, 'items')).toEqual(['id', 'name', 'qty', 'code', 'note', 'kind']);
    },
  },
  {
    op: 'create-table',
    setup: (sql) => createAccountTables(sql, { historyForeignKey: true, historyKey: true }),
    operation: disputesTable,
    traffic: accountPayments,
    async verify(sql) {
      expect(await validatedForeignKeys(sql, 'disputes')).toEqual([
        'FOREIGN KEY (account_id) REFERENCES accounts(id)',
        'FOREIGN KEY (history_id) REFERENCES history(id)',
      ]);
    },
  },
  {
    op: 'drop-table',
    setup: async (sql) => {
      await createAccountTables(sql, { historyForeignKey: true });
      await sql`create table account_notes (id int primary key, account_id int not null references accounts (id), note text not null)`;
      await sql`insert into account_notes select g, 1 + g % 50, 'note ' || g from generate_series(1, 100) g`;
    },
    operation: { op: 'drop-table', table: 'account_notes' },
    traffic: accountPayments,
    async verify(sql) {
      expect(await scalar<string | null>(sql, `select to_regclass('account_notes')::text as v`)).toBeNull();
    },
  },
  {
    op: 'backfill',
    setup: itemsSetup,
    operation: {
      op: 'backfill',
      table: 'items',
      set: { kind: "'modern'" },
      where: "kind = 'legacy'",
      verify: "select id from items where kind = 'legacy'",
    },
    traffic: itemWriters,
    async verify(sql) {
      expect(await scalar<number>(sql, `select count(*)::int as v from items where kind <> 'modern'`)).toBe(0);
      expect(await scalar<number>(sql, `select count(*)::int as v from items where id <= ${seededItems}`)).toBe(seededItems);
    },
  },
  {
    op: 'sql',
    setup: itemsSetup,
    operation: {
      op: 'sql',
      phase: 'expand',
      sql: 'alter table items add column extra int',
      rollback: 'alter table items drop column extra',
      tables: [{ table: 'items' }],
    },
    traffic: itemWriters,
    async verify(sql) {
      expect(await columnsOf(sql, 'items')).toEqual(['id', 'name', 'qty', 'code', 'note', 'kind', 'legacy', 'extra']);
    },
  },
];
