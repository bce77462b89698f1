import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/connect.js';
import { PreflightError } from '../../src/errors/index.js';
import { createIndex, createIndexSpec, indexName, planCreateIndex } from '../../src/operations/create-index.js';
import { expectOnlineError } from '../support/expect-online-error.js';

const parse = (fields: Record<string, unknown>) => createIndexSpec.parse({ op: 'create-index', ...fields });
const locks = expect.stringContaining('SHARE UPDATE EXCLUSIVE') as unknown;
const tickets = { schema: 'public', name: 'tickets' };

describe('create-index planning (exact SQL)', () => {
  it('builds a plain btree on two columns concurrently in expand, with nothing else to do', () => {
    const spec = parse({ table: 'tickets', columns: ['status', 'created_at'] });
    const plan = planCreateIndex(spec, 'USING btree (status, created_at)');
    expect(createIndex.defaultName(spec)).toBe('create-index-tickets-tickets_status_created_at_idx');
    expect(createIndex.tables(spec)).toEqual([{ schema: 'public', name: 'tickets' }]);
    expect(plan.expand).toEqual([
      {
        kind: 'concurrent',
        description: 'build index tickets_status_created_at_idx concurrently',
        statements: [
          `create index concurrently "tickets_status_created_at_idx" on "public"."tickets" using btree ("status", "created_at")`,
        ],
        buildsIndex: {
          schema: 'public',
          name: 'tickets_status_created_at_idx',
          table: tickets,
          definition: 'USING btree (status, created_at)',
        },
        locks,
      },
    ]);
    expect(plan.backfill).toEqual([]);
    expect(plan.contract).toEqual([]);
    expect(plan.warnings).toBeUndefined();
  });

  it('plans a unique partial index with INCLUDE, explaining a duplicate failure with the duplicate values and counts', () => {
    const spec = parse({
      table: 'tickets',
      columns: ['customer_email'],
      unique: true,
      include: ['title'],
      where: "status <> 'closed'",
      name: 'tickets_open_email_key',
    });
    const plan = planCreateIndex(spec, `UNIQUE USING btree (customer_email) INCLUDE (title) WHERE (status <> 'closed'::text)`);
    expect(plan.expand).toEqual([
      {
        kind: 'concurrent',
        description: 'build unique index tickets_open_email_key concurrently',
        statements: [
          `create unique index concurrently "tickets_open_email_key" on "public"."tickets" using btree ("customer_email") include ("title") where (status <> 'closed')`,
        ],
        buildsIndex: {
          schema: 'public',
          name: 'tickets_open_email_key',
          table: tickets,
          definition: `UNIQUE USING btree (customer_email) INCLUDE (title) WHERE (status <> 'closed'::text)`,
        },
        locks,
        explain: {
          kind: 'duplicates',
          sqlState: '23505',
          what: 'duplicate (customer_email) values (with their counts)',
          // Only rows the partial index covers, and only keys without NULLs, can collide.
          query:
            `select "customer_email"::text as k0, count(*) as count from "public"."tickets" ` +
            `where "customer_email" is not null and (status <> 'closed') group by "customer_email" having count(*) > 1 order by count(*) desc limit 5`,
        },
      },
    ]);
  });

  it('explains the duplicates of a unique index over a column and an expression, key by key', () => {
    const spec = parse({ table: 'users', columns: ['tenant_id'], expressions: ['lower(email)'], unique: true });
    const plan = planCreateIndex(spec, 'UNIQUE USING btree (tenant_id, lower(email))');
    expect(plan.expand.flatMap((s) => s.statements)).toEqual([
      `create unique index concurrently "users_tenant_id_expr_idx" on "public"."users" using btree ("tenant_id", (lower(email)))`,
    ]);
    expect(plan.expand[0]?.explain?.query).toBe(
      `select "tenant_id"::text as k0, (lower(email))::text as k1, count(*) as count from "public"."users" ` +
        `where "tenant_id" is not null and (lower(email)) is not null group by "tenant_id", (lower(email)) having count(*) > 1 order by count(*) desc limit 5`,
    );
  });

  it('builds a gin index over an expression, without a duplicates probe', () => {
    const spec = parse({ table: 'tickets', expressions: ["to_tsvector('english', title)"], using: 'gin' });
    const plan = planCreateIndex(spec, `USING gin (to_tsvector('english'::regconfig, title))`);
    expect(plan.expand).toEqual([
      {
        kind: 'concurrent',
        description: 'build index tickets_expr_idx concurrently',
        statements: [`create index concurrently "tickets_expr_idx" on "public"."tickets" using gin ((to_tsvector('english', title)))`],
        buildsIndex: {
          schema: 'public',
          name: 'tickets_expr_idx',
          table: tickets,
          definition: `USING gin (to_tsvector('english'::regconfig, title))`,
        },
        locks,
      },
    ]);
    expect(plan.expand[0]?.explain).toBeUndefined();
  });

  it('quotes odd schema, table, column, INCLUDE and index names everywhere', () => {
    const spec = parse({
      schema: 'My Schema',
      table: 'Odd "T"',
      columns: ['Mixed Case', 'select'],
      include: ['x"y'],
      unique: true,
      name: 'i"x',
    });
    const plan = planCreateIndex(spec, 'UNIQUE USING btree ("Mixed Case", "select") INCLUDE ("x""y")');
    expect(plan.expand.flatMap((s) => s.statements)).toEqual([
      `create unique index concurrently "i""x" on "My Schema"."Odd ""T""" using btree ("Mixed Case", "select") include ("x""y")`,
    ]);
    expect(plan.expand[0]?.buildsIndex).toEqual({
      schema: 'My Schema',
      name: 'i"x',
      table: { schema: 'My Schema', name: 'Odd "T"' },
      definition: 'UNIQUE USING btree ("Mixed Case", "select") INCLUDE ("x""y")',
    });
    expect(plan.expand[0]?.explain?.query).toBe(
      `select "Mixed Case"::text as k0, "select"::text as k1, count(*) as count from "My Schema"."Odd ""T""" ` +
        `where "Mixed Case" is not null and "select" is not null group by "Mixed Case", "select" having count(*) > 1 order by count(*) desc limit 5`,
    );
    expect(plan.rollback.flatMap((s) => s.statements)).toEqual([`drop index concurrently if exists "My Schema"."i""x"`]);
  });

  it('rolls back by dropping the index concurrently, safe to run twice', () => {
    const spec = parse({ schema: 'support', table: 'tickets', columns: ['status'] });
    const plan = planCreateIndex(spec, 'USING btree (status)');
    expect(plan.rollback).toEqual([
      {
        kind: 'concurrent',
        description: 'drop index tickets_status_idx concurrently',
        statements: [`drop index concurrently if exists "support"."tickets_status_idx"`],
        locks,
      },
    ]);
  });
});

describe('create-index names', () => {
  it('derives <table>_<columns>[_expr]_idx, and an explicit name wins', () => {
    expect(indexName(parse({ table: 'tickets', columns: ['status'] }))).toBe('tickets_status_idx');
    expect(indexName(parse({ table: 'tickets', columns: ['status', 'created_at'] }))).toBe('tickets_status_created_at_idx');
    expect(indexName(parse({ table: 'tickets', columns: ['status'], expressions: ['lower(title)', 'upper(title)'] }))).toBe(
      'tickets_status_expr_idx',
    );
    expect(indexName(parse({ table: 'tickets', expressions: ['lower(title)'] }))).toBe('tickets_expr_idx');
    expect(indexName(parse({ table: 'tickets', columns: ['status'], name: 'by_status' }))).toBe('by_status');
  });

  it('keeps a derived name for a very long table within 63 bytes, distinct per column list', () => {
    const table = 't'.repeat(60);
    const one = indexName(parse({ table, columns: ['status'] }));
    const other = indexName(parse({ table, columns: ['state'] }));
    expect(Buffer.byteLength(one)).toBeLessThanOrEqual(63);
    expect(one.startsWith(table.slice(0, 40))).toBe(true);
    expect(one).toMatch(/_[0-9a-f]{10}_idx$/);
    expect(other).not.toBe(one);
    // A cut never splits a multi-byte character.
    const accented = indexName(parse({ table: 'é'.repeat(31), columns: ['status'] }));
    expect(Buffer.byteLength(accented)).toBeLessThanOrEqual(63);
    expect(Buffer.from(accented).toString()).toBe(accented);
  });
});

describe('create-index spec', () => {
  it('needs columns or expressions, and a known index method', () => {
    expect(createIndexSpec.safeParse({ op: 'create-index', table: 'tickets' }).success).toBe(false);
    expect(createIndexSpec.safeParse({ op: 'create-index', table: 'tickets', columns: ['status'], using: 'foo' }).success).toBe(false);
    expect(createIndexSpec.safeParse({ op: 'create-index', table: 'tickets', columns: ['status'], name: 'x'.repeat(64) }).success).toBe(
      false,
    );
    expect(parse({ table: 'tickets', columns: ['status'] })).toMatchObject({
      schema: 'public',
      unique: false,
      using: 'btree',
      include: [],
      expressions: [],
    });
  });

  it('refuses PostgreSQL 14.0–14.3 before touching the database', async () => {
    const untouchable = new Proxy(
      {},
      {
        get: () => {
          throw new Error('pre-flight queried the database');
        },
      },
    ) as unknown as Sql;
    await expectOnlineError(
      createIndex.prepare({ sql: untouchable, serverVersionNum: 140002 }, parse({ table: 'tickets', columns: ['status'] })),
      PreflightError,
      { exitCode: 2, code: 'UNSAFE_SERVER_VERSION' },
    );
  });
});
