import { beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFile, OnlineError, parseSpec, planMigration, startMigration } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { lifecycleTest } from '../support/lifecycle-cases.js';
import { contrastHoldMs, holdLock, releaseAfter } from '../support/held-lock.js';
import { recordLockRetries } from '../support/lock-retry-recorder.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, examplePath } from '../support/tickets-fixture.js';

const example = examplePath('create-table-customer-satisfaction.yaml');
const lockTimeoutMs = 1_000;

interface ColumnRow {
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
  identity: string;
}

interface ConstraintRow {
  name: string;
  type: string;
  definition: string;
}

describe('create-table', () => {
  const db = useTestDatabase('create_table');
  beforeAll(async () => {
    await createTickets(db.sql, 20_000);
    await db.sql`create table users (id bigint primary key, name text not null)`;
  });

  const exists = async (table: string): Promise<boolean> => {
    const [row] = await db.sql<{ found: boolean }[]>`select to_regclass(${table}) is not null as found`;
    return row?.found === true;
  };

  async function columns(table: string): Promise<ColumnRow[]> {
    return db.sql<ColumnRow[]>`
      select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as "notNull",
             pg_get_expr(d.adbin, d.adrelid) as default, a.attidentity::text as identity
      from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = ${table}::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`;
  }

  async function constraints(table: string): Promise<ConstraintRow[]> {
    return db.sql<ConstraintRow[]>`
      select conname as name, contype::text as type, pg_get_constraintdef(oid) as definition
      from pg_constraint where conrelid = ${table}::regclass and contype <> 'n' order by conname`;
  }

  /** Everything in public (tables, indexes, sequences) and the triggers on tickets, internal ones included. */
  async function publicCatalog(): Promise<{
    relations: string[];
    ticketTriggers: number;
    tickets: Awaited<ReturnType<typeof catalogSnapshot>>;
  }> {
    const relations = await db.sql<{ name: string }[]>`
      select c.relname || ':' || c.relkind::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' order by 1`;
    const [triggers] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_trigger where tgrelid = 'tickets'::regclass`;
    return { relations: relations.map((r) => r.name), ticketTriggers: triggers?.n ?? -1, tickets: await catalogSnapshot(db.sql) };
  }

  /** The migrations the state store holds (none before the first start). */
  async function recorded(): Promise<string[]> {
    const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    if (state?.exists !== true) return [];
    return (await db.sql<{ name: string }[]>`select name from online_migrate.migrations order by name`).map((m) => m.name);
  }

  lifecycleTest(db, {
    name: 'start → rollback → start → complete under writers: the exact table, its constraints, and a working foreign key',
    spec: () => loadSpecFile(example),
    options: { lockTimeoutMs },
    seed: async () => ({ before: await publicCatalog() }),
    afterStart: async ({ db, events }) => {
      expect(events.filter((e) => e.type === 'warning').map((e) => (e.type === 'warning' ? e.message : ''))).toEqual([
        expect.stringMatching(
          /^no index on public\.customer_satisfaction starts with \(ticket_id\): every delete or key update on public\.tickets will scan/,
        ) as unknown,
      ]);
      expect(await exists('customer_satisfaction')).toBe(true);
      // Traffic on the new table, which a rollback drops with it.
      await db.sql`insert into customer_satisfaction (ticket_id, rating) values (1, 5)`;
    },
    afterRollback: async ({ state }) => {
      expect(await exists('customer_satisfaction')).toBe(false);
      expect(await publicCatalog()).toEqual(state.before);
    },
    afterComplete: async ({ state: { before } }) => {
      expect(await columns('customer_satisfaction')).toEqual([
        { name: 'id', type: 'bigint', notNull: true, default: null, identity: 'a' },
        { name: 'ticket_id', type: 'bigint', notNull: true, default: null, identity: '' },
        { name: 'rating', type: 'integer', notNull: true, default: null, identity: '' },
        { name: 'comment', type: 'text', notNull: false, default: null, identity: '' },
        { name: 'created_at', type: 'timestamp with time zone', notNull: true, default: 'now()', identity: '' },
      ]);
      expect(await constraints('customer_satisfaction')).toEqual([
        { name: 'customer_satisfaction_pkey', type: 'p', definition: 'PRIMARY KEY (id)' },
        { name: 'customer_satisfaction_rating_check', type: 'c', definition: 'CHECK (((rating >= 1) AND (rating <= 5)))' },
        {
          name: 'customer_satisfaction_ticket_id_fkey',
          type: 'f',
          definition: 'FOREIGN KEY (ticket_id) REFERENCES tickets(id) ON DELETE CASCADE',
        },
      ]);
      // tickets itself only gained the foreign key's internal triggers; no rows were lost or added by us.
      const after = await publicCatalog();
      expect(after.tickets).toEqual(before.tickets);
      expect(after.ticketTriggers).toBe(before.ticketTriggers + 2);
      const [rows] = await db.sql<
        { n: number; written: number }[]
      >`select count(*)::int as n, count(*) filter (where title like 'writer %')::int as written from tickets`;
      expect(rows?.n).toBe(20_000 + (rows?.written ?? 0));
      expect(rows?.written).toBeGreaterThan(0);

      // The foreign key works both ways: a real ticket is accepted, a bogus one refused, a delete cascades.
      await db.sql`insert into customer_satisfaction (ticket_id, rating, comment) values (2, 4, 'quick')`;
      await expect(db.sql`insert into customer_satisfaction (ticket_id, rating) values (999999999, 3)`).rejects.toMatchObject({
        code: '23503',
      });
      await expect(db.sql`insert into customer_satisfaction (ticket_id, rating) values (2, 6)`).rejects.toMatchObject({ code: '23514' });
      const rows2 = await db.sql<
        { ticket: string; created: boolean }[]
      >`select ticket_id::text as ticket, created_at is not null as created from customer_satisfaction`;
      expect(rows2).toEqual([{ ticket: '2', created: true }]);
      await db.sql`delete from tickets where id = 2`;
      const [left] = await db.sql<{ n: number }[]>`select count(*)::int as n from customer_satisfaction`;
      expect(left?.n).toBe(0);
    },
  });

  describe('refusals exit 2 and change nothing', () => {
    const columnsOf = [
      { name: 'id', type: 'bigint', identity: 'always' },
      { name: 'ticket_id', type: 'bigint', nullable: false },
      { name: 'score', type: 'int' },
    ];
    const tableSpec = (fields: Record<string, unknown>) =>
      parseSpec(
        { operations: [{ op: 'create-table', table: 'ticket_scores', columns: columnsOf, primaryKey: ['id'], ...fields }] },
        'test',
      );
    const fk = (references: Record<string, unknown>, columns = ['ticket_id']) => ({ foreignKeys: [{ columns, references }] });

    it.each([
      [
        'an existing table',
        { table: 'tickets' },
        /table public\.tickets already exists; create-table only creates new tables \(if this database was built before it adopted online, `online stamp` records/,
      ],
      [
        'a name an index has',
        { table: 'tickets_pkey' },
        /a relation named public\.tickets_pkey \(a view, sequence or index\) already exists/,
      ],
      ['an unknown type', { columns: [...columnsOf, { name: 'mood', type: 'feelings' }] }, /type "feelings" does not exist/],
      [
        'a type that smuggles a clause',
        { columns: [{ name: 'id', type: 'int primary key' }] },
        /id type must be exactly one type name: it does not parse as one type name\n {2}type: int primary key/,
      ],
      ['a column listed twice', { columns: [...columnsOf, { name: 'score', type: 'text' }] }, /column score is listed twice in columns/],
      [
        'a primary key column not among the columns',
        { primaryKey: ['uuid'] },
        /primary key column uuid is not among the columns of public\.ticket_scores/,
      ],
      ['a unique column not among the columns', { unique: [['score', 'nope']] }, /unique column nope is not among the columns/],
      [
        'a foreign key column not among the columns',
        fk({ table: 'tickets', columns: ['id'] }, ['ticket']),
        /foreign key column ticket is not among the columns/,
      ],
      ['a foreign key to a missing table', fk({ table: 'tickts', columns: ['id'] }), /table public\.tickts does not exist/],
      ['a foreign key to a missing column', fk({ table: 'tickets', columns: ['uid'] }), /column uid of public\.tickets does not exist/],
      [
        'a foreign key to columns that are not a key',
        fk({ table: 'tickets', columns: ['title'] }),
        /\(title\) is not the primary key or a unique constraint of public\.tickets/,
      ],
      [
        'a foreign key whose types cannot be compared',
        { columns: [...columnsOf, { name: 'user_name', type: 'text' }], ...fk({ table: 'users', columns: ['id'] }, ['user_name']) },
        /PostgreSQL refuses the table: foreign key constraint "ticket_scores_user_name_fkey" cannot be implemented \(Key columns "user_name" and "id" are of incompatible types: text and bigint\.\)/,
      ],
      [
        'a self-reference to a column that is not a key',
        fk({ table: 'ticket_scores', columns: ['score'] }),
        /there is no unique constraint matching given keys for referenced table "public\.ticket_scores"/,
      ],
      [
        'a check that does not compile',
        { checks: [{ check: 'scroe > 0' }] },
        /PostgreSQL refuses the table: column "scroe" does not exist/,
      ],
      [
        'a check that escapes its parentheses',
        { checks: [{ check: 'score > 0), check (true' }] },
        /checks\[0\] must be exactly one expression: it does not parse: syntax error at or near "\)" \(an unbalanced "\)"\)/,
      ],
      [
        'a check with a subquery',
        { checks: [{ check: 'score < (select count(*) from tickets)' }] },
        /cannot use subquery in check constraint/,
      ],
      [
        'a default of the wrong type',
        { columns: [...columnsOf, { name: 'at', type: 'timestamptz', default: "'soon'" }] },
        /pre-flight failed: at default expression does not compile: invalid input syntax for type timestamp with time zone: "soon"/,
      ],
      [
        'a default on an identity column',
        { columns: [{ name: 'id', type: 'bigint', identity: 'always', default: '1' }] },
        /PostgreSQL refuses the table: (both default and identity|multiple default values) specified for column "id"/,
      ],
      ['a schema that does not exist', { schema: 'reports' }, /PostgreSQL refuses the table: schema "reports" does not exist/],
    ])('%s', async (_case, fields, message) => {
      const before = await publicCatalog();
      const migrationsBefore = await recorded();
      await expectOnlineError(startMigration({ databaseUrl: db.url, spec: tableSpec(fields) }), OnlineError, { exitCode: 2, message });
      expect(await publicCatalog()).toEqual(before);
      expect(await recorded()).toEqual(migrationsBefore);
    });
  });

  it('pre-flight never waits for a transaction writing to the referenced table; the expand step waits under lock_timeout and retries', async () => {
    const held = await holdLock(db.url, 'lock table tickets in row exclusive mode');
    const spec = parseSpec(
      {
        operations: [
          {
            op: 'create-table',
            table: 'ticket_ratings',
            columns: [
              { name: 'ticket_id', type: 'bigint', nullable: false },
              { name: 'stars', type: 'int', nullable: false },
            ],
            primaryKey: ['ticket_id'],
            foreignKeys: [{ columns: ['ticket_id'], references: { table: 'tickets', columns: ['id'] } }],
          },
        ],
      },
      'test',
    );
    const writers = startWriters(db.url, { writers: 2, updates: false });
    // The lock stays held until the run below has retried: a pre-flight that waited for it would never return.
    const plan = await planMigration({ databaseUrl: db.url, spec });
    expect(plan.warnings).toEqual([]);

    const recorder = recordLockRetries();
    const released = releaseAfter(held, recorder.first, contrastHoldMs);
    const result = await startMigration({
      databaseUrl: db.url,
      spec,
      options: { lockTimeoutMs: 100, lockRetries: 100 },
      onEvent: recorder.onEvent,
    });
    const heldMs = await released;
    await writers.waitForOperations(10);
    const traffic = await writers.stop();
    console.log(
      `create-table with a foreign key to a busy table: ${recorder.retries.length} lock retries while tickets was held ${heldMs.toFixed(0)} ms; worst writer ${traffic.maxLatencyMs.toFixed(0)} ms (lock_timeout 100 ms)`,
    );
    expect(result).toMatchObject({ status: 'awaiting_contract' });
    expect(recorder.retries.length).toBeGreaterThan(0);
    expect(traffic.errors).toEqual([]);
    // Writers queue behind our SHARE ROW EXCLUSIVE request for one lock_timeout at a time, never for the hold.
    expect(traffic.maxLatencyMs).toBeLessThan(contrastHoldMs / 2);
    expect(await exists('ticket_ratings')).toBe(true);
  });

  it('a self-referencing foreign key needs no existing table and locks no other table', async () => {
    const spec = parseSpec(
      {
        operations: [
          {
            op: 'create-table',
            table: 'ticket_threads',
            columns: [
              { name: 'id', type: 'bigint', nullable: false },
              { name: 'parent_id', type: 'bigint' },
            ],
            primaryKey: ['id'],
            foreignKeys: [{ columns: ['parent_id'], references: { table: 'ticket_threads', columns: ['id'] }, onDelete: 'cascade' }],
          },
        ],
      },
      'test',
    );
    const plan = await planMigration({ databaseUrl: db.url, spec });
    expect(plan.expand[0]?.locks).toMatch(/^ACCESS EXCLUSIVE on the new table only/);
    expect(plan.warnings).toHaveLength(1);
    expect(await exists('ticket_threads')).toBe(false);
  });

  it('the CLI shorthand flags make a valid spec: dry run, then start --complete', async () => {
    const args = [
      'start',
      'create-table',
      '--table',
      'ticket_notes',
      '--columns',
      'id bigint, body text, amount numeric(10,2)',
      '--primary-key',
      'id',
    ];
    const dry = await runCli([...args, '--dry-run'], db.url);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      'create table "public"."ticket_notes" (\n  "id" bigint,\n  "body" text,\n  "amount" numeric(10,2),\n  primary key ("id")\n);',
    );
    expect(dry.stdout).toContain('drop table if exists "public"."ticket_notes";');
    expect(await exists('ticket_notes')).toBe(false);

    const started = await runCli([...args, '--complete'], db.url);
    expect(started.code).toBe(0);
    expect(await columns('ticket_notes')).toEqual([
      { name: 'id', type: 'bigint', notNull: true, default: null, identity: '' },
      { name: 'body', type: 'text', notNull: false, default: null, identity: '' },
      { name: 'amount', type: 'numeric(10,2)', notNull: false, default: null, identity: '' },
    ]);
    expect(await constraints('ticket_notes')).toEqual([{ name: 'ticket_notes_pkey', type: 'p', definition: 'PRIMARY KEY (id)' }]);

    const missingType = await runCli(['start', 'create-table', '--table', 'ticket_tags', '--columns', 'id'], db.url);
    expect(missingType.code).toBe(2);
    expect(missingType.stderr).toMatch(/--columns\.type: must not be empty/);
    expect(await exists('ticket_tags')).toBe(false);
  });
});
