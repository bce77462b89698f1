import { beforeAll, describe, expect, it } from 'vitest';
import { renderPlan } from '../../src/cli/plan-printer.js';
import {
  completeMigration,
  loadSpecFile,
  migrationStatus,
  OnlineError,
  parseSpec,
  planMigration,
  rollbackMigration,
  startMigration,
} from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { lifecycleTest } from '../support/lifecycle-cases.js';
import { holdLock } from '../support/held-lock.js';
import { recordLockRetries } from '../support/lock-retry-recorder.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, examplePath } from '../support/tickets-fixture.js';

const example = examplePath('sql-ticket-channels.yaml');
const lockTimeoutMs = 1_000;

describe('sql', () => {
  const db = useTestDatabase('raw_sql');
  beforeAll(async () => {
    await createTickets(db.sql, 20_000);
    await db.sql`create table sla_policies (name text primary key, hours int not null)`;
  });

  const tableComment = async (): Promise<string | null> => {
    const [row] = await db.sql<{ comment: string | null }[]>`select obj_description('tickets'::regclass, 'pg_class') as comment`;
    return row?.comment ?? null;
  };
  const channels = async (): Promise<string[] | undefined> => {
    const [found] = await db.sql<{ exists: boolean }[]>`select to_regclass('ticket_channels') is not null as exists`;
    if (found?.exists !== true) return undefined;
    return (await db.sql<{ code: string }[]>`select code from ticket_channels order by code`).map((r) => r.code);
  };
  /** The relations in public, tickets' catalog, and the migrations the state store holds. */
  async function everything(): Promise<unknown> {
    const relations = await db.sql<{ name: string }[]>`
      select c.relname || ':' || c.relkind::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' order by 1`;
    const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    const migrations =
      state?.exists === true
        ? (await db.sql<{ name: string }[]>`select name from online_migrate.migrations order by name`).map((m) => m.name)
        : [];
    const [policies] = await db.sql<{ n: number }[]>`select count(*)::int as n from sla_policies`;
    return {
      relations: relations.map((r) => r.name),
      tickets: await catalogSnapshot(db.sql),
      comment: await tableComment(),
      policies: policies?.n,
      migrations,
    };
  }

  lifecycleTest(db, {
    name: 'expand with rollback SQL under writers: start → rollback (undone) → start → complete',
    spec: () => loadSpecFile(example),
    options: { lockTimeoutMs },
    seed: async (db) => {
      expect(await channels()).toBeUndefined();
      return { before: await catalogSnapshot(db.sql) };
    },
    afterStart: async () => {
      expect(await channels()).toEqual(['email', 'phone', 'web']);
      expect(await tableComment()).toBe('Customer support tickets; channels in ticket_channels');
    },
    afterRollback: async ({ db, state }) => {
      expect(await channels()).toBeUndefined();
      expect(await tableComment()).toBeNull();
      expect(await catalogSnapshot(db.sql)).toEqual(state.before);
    },
    afterComplete: async ({ db, state }) => {
      expect(await channels()).toEqual(['email', 'phone', 'web']);
      expect(await tableComment()).toBe('Customer support tickets; channels in ticket_channels');
      expect(await catalogSnapshot(db.sql)).toEqual(state.before);
      const [rows] = await db.sql<
        { n: number; written: number }[]
      >`select count(*)::int as n, count(*) filter (where title like 'writer %')::int as written from tickets`;
      expect(rows?.written).toBeGreaterThan(0);
      expect(rows?.n).toBe(20_000 + (rows?.written ?? 0));
    },
  });

  it('contract sql runs only at complete, under writers', async () => {
    const spec = parseSpec(
      {
        name: 'sql-status-comment',
        operations: [
          { op: 'sql', phase: 'contract', sql: "comment on column tickets.status is 'open, in_progress, pending, resolved or closed';" },
        ],
      },
      'test',
    );
    const statusComment = async (): Promise<string | null> => {
      const [row] = await db.sql<
        { comment: string | null }[]
      >`select col_description(attrelid, attnum) as comment from pg_attribute where attrelid = 'tickets'::regclass and attname = 'status'`;
      return row?.comment ?? null;
    };
    const writers = startWriters(db.url, { writers: 2 });
    expect(await startMigration({ databaseUrl: db.url, spec, options: { lockTimeoutMs } })).toMatchObject({ status: 'awaiting_contract' });
    expect(await statusComment()).toBeNull();
    expect(await completeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
    const traffic = await writers.stop();
    expect(traffic.errors).toEqual([]);
    expect(await statusComment()).toBe('open, in_progress, pending, resolved or closed');
  });

  it('the statements of a step are one transaction: a failing one undoes the ones before it', async () => {
    const spec = parseSpec(
      {
        name: 'sql-duplicate-policy',
        operations: [
          {
            op: 'sql',
            phase: 'expand',
            sql: ["insert into sla_policies values ('gold', 4)", "insert into sla_policies values ('gold', 8)"],
            tables: [{ table: 'sla_policies' }],
          },
        ],
      },
      'test',
    );
    await expectOnlineError(startMigration({ databaseUrl: db.url, spec, options: { lockTimeoutMs } }), OnlineError, {
      exitCode: 1,
      message: /duplicate key value violates unique constraint "sla_policies_pkey"/,
    });
    const [policies] = await db.sql<{ n: number }[]>`select count(*)::int as n from sla_policies`;
    expect(policies?.n).toBe(0);
    const [status] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
    expect(status).toMatchObject({ state: 'failed', phase: 'expand' });
    expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
  });

  it('plan output shows the warnings and the SQL (renderPlan, and start --dry-run through the CLI)', async () => {
    const spec = await loadSpecFile(example);
    const rendered = renderPlan(spec.name, await planMigration({ databaseUrl: db.url, spec: { ...spec, name: 'sql-plan-only' } }));
    expect(rendered).toContain(
      '-- WARNING: raw SQL (expand): online cannot check what it locks or how long it runs. It runs in one transaction under lock_timeout with retries',
    );
    expect(rendered).not.toContain('has no rollback SQL');
    expect(rendered).toContain(
      '-- rollback (online rollback)\n-- 1. run the rollback sql: comment on table tickets is null (+1 more) (one transaction, lock_timeout, retried)',
    );
    expect(rendered).toContain('drop table if exists ticket_channels;');

    const before = await everything();
    const dry = await runCli(
      ['start', 'sql', '--phase', 'expand', '--sql', "insert into sla_policies values ('silver', 24)", '--dry-run'],
      db.url,
    );
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('-- WARNING: raw SQL (expand): online cannot check what it locks or how long it runs.');
    expect(dry.stdout).toContain(
      '-- WARNING: raw SQL (expand) has no rollback SQL: `online rollback` cannot undo it; add `rollback:` to make it undoable',
    );
    expect(dry.stdout).toContain(
      "-- expand\n-- 1. run sql (expand): insert into sla_policies values ('silver', 24) (one transaction, lock_timeout, retried)",
    );
    expect(dry.stdout).toContain("insert into sla_policies values ('silver', 24);");
    expect(await everything()).toEqual(before);
  });

  describe('refusals exit 2 and change nothing', () => {
    it.each([
      [
        'a CONCURRENTLY index build',
        { sql: 'create index concurrently tickets_title_idx on tickets (title)' },
        /sql: CREATE INDEX CONCURRENTLY cannot run inside a transaction block.*use the create-index operation/,
      ],
      [
        'two statements in one string',
        { sql: "insert into sla_policies values ('a', 1); insert into sla_policies values ('b', 2)" },
        /sql must be exactly one statement: found 2; give each statement its own list entry/,
      ],
      [
        'two statements in a rollback entry',
        { sql: ['select 1'], rollback: ['delete from sla_policies; drop table sla_policies'] },
        /rollback\[0\] must be exactly one statement/,
      ],
      [
        'transaction control',
        { sql: ['begin', "insert into sla_policies values ('a', 1)"] },
        /sql\[0\]: transaction control is not allowed/,
      ],
      [
        'VACUUM',
        { phase: 'contract', sql: 'vacuum tickets' },
        /VACUUM \(and CLUSTER of every table\) cannot run inside a transaction block/,
      ],
      ['a session-level SET', { sql: ['set statement_timeout = 0', 'select 1'] }, /a session-level SET or RESET would outlive the step/],
      [
        'a syntax error in a contract statement',
        { phase: 'contract', sql: ['select 1', "updat tickets set status = 'open'"] },
        /sql\[1\] must be exactly one statement: it does not parse: syntax error at or near "updat"/,
      ],
      [
        'a session-level set_config',
        { sql: ["select set_config('search_path', 'evil', false)"] },
        /sql\[0\]: set_config\(…, false\) changes the session beyond the step/,
      ],
      [
        'a session-level set_config inside an UPDATE',
        { sql: ["update sla_policies set name = name where set_config('role', 'nobody', 'false') is null"] },
        /set_config\(…, false\)/,
      ],
      [
        'set_config in a DO block',
        { sql: ["do $$ begin perform set_config('search_path', 'evil', false); end $$"] },
        /a DO block may not call set_config/,
      ],
      [
        'a comment, which the parser sees',
        { sql: "insert into sla_policies values ('a', 1) -- gold" },
        /sql must be exactly one statement: comments are not allowed in it \(write them in the spec file, outside the SQL\)/,
      ],
    ])('%s', async (_case, fields, message) => {
      const spec = parseSpec({ operations: [{ op: 'sql', phase: 'expand', ...fields }] }, 'test');
      const before = await everything();
      await expectOnlineError(startMigration({ databaseUrl: db.url, spec }), OnlineError, { exitCode: 2, message });
      expect(await everything()).toEqual(before);
    });

    it('through the CLI', async () => {
      const before = await everything();
      const result = await runCli(['start', 'sql', '--phase', 'expand', '--sql', 'drop index concurrently tickets_pkey'], db.url);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/DROP INDEX CONCURRENTLY cannot run inside a transaction block.*use the drop-index operation/);
      expect(await everything()).toEqual(before);
    });

    it('a table a missing statement will create is no refusal: only syntax is checked', async () => {
      const spec = parseSpec(
        {
          operations: [
            {
              op: 'sql',
              phase: 'contract',
              sql: ['create table ticket_archive (id bigint primary key)', 'insert into ticket_archive select id from tickets where false'],
            },
          ],
        },
        'test',
      );
      const plan = await planMigration({ databaseUrl: db.url, spec });
      expect(plan.contract[0]?.statements).toHaveLength(2);
    });
  });

  it('a statement that waits for a lock held elsewhere obeys lock_timeout, retries, and succeeds once it is released', async () => {
    const held = await holdLock(db.url, 'lock table sla_policies in access exclusive mode');
    const spec = parseSpec(
      {
        name: 'sql-gold-policy',
        operations: [
          {
            op: 'sql',
            phase: 'expand',
            sql: "insert into sla_policies (name, hours) values ('gold', 4)",
            tables: [{ table: 'sla_policies' }],
          },
        ],
      },
      'test',
    );
    const writers = startWriters(db.url, { writers: 2 });
    // Pre-flight only parses: it returns while the lock is held (held until the run below has retried).
    await planMigration({ databaseUrl: db.url, spec });
    // Released at the first retry: the statement has met the lock, and can only succeed after the release.
    const recorder = recordLockRetries();
    void recorder.first.then(() => held.release());
    const result = await startMigration({
      databaseUrl: db.url,
      spec,
      options: { lockTimeoutMs: 100, lockRetries: 100, complete: true },
      onEvent: recorder.onEvent,
    });
    await held.release();
    const traffic = await writers.stop();
    console.log(`sql under a held ACCESS EXCLUSIVE lock: ${recorder.retries.length} lock retries (lock_timeout 100 ms)`);
    expect(result).toMatchObject({ status: 'completed' });
    expect(recorder.retries[0]).toMatchObject({
      type: 'lock-retry',
      attempt: 1,
      statement: "insert into sla_policies (name, hours) values ('gold', 4)",
    });
    expect(traffic.errors).toEqual([]);
    const policies = await db.sql<{ name: string; hours: number }[]>`select name, hours from sla_policies`;
    expect(policies).toEqual([{ name: 'gold', hours: 4 }]);
  });
});
