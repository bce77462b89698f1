// Pre-flight never evaluates a user expression: a default with side effects (a function that writes a
// row, nextval) leaves no trace after `start --dry-run`, `plan <file>` and `check <dir>`, nor does the
// same function in any other field that takes an expression or a query, and the
// function is never even called (pg_stat_user_functions, with track_functions = all). Its volatility
// comes from the catalog, and the real run then takes the volatile path.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { eventually } from '../support/watched-cli.js';
import { addColumnArgs } from '../support/add-column-args.js';

const rows = 300;

describe('pre-flight executes no user expression', () => {
  const db = useTestDatabase('no_execution');
  let dir: string;
  beforeAll(async () => {
    const [database] = await db.sql<{ name: string }[]>`select current_database() as name`;
    await db.sql.unsafe(`alter database "${database?.name ?? ''}" set track_functions = 'all'`);
    await db.sql.unsafe(`
      create table side_effects (n int);
      create sequence s;
      create function bump() returns int language plpgsql volatile as $$ begin insert into side_effects values (1); return 1; end $$;
      create table items (id bigint primary key, label text);
      insert into items select g, 'item ' || g from generate_series(1, ${rows}) g;`);
    dir = await mkdtemp(join(tmpdir(), 'online-no-exec-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Waits until no `online` session is connected to the test database: a backend flushes its function statistics before it leaves. */
  async function onlineSessionsGone(): Promise<void> {
    await eventually(
      async () => {
        const [row] = await db.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name like 'online%'`;
        return row?.n;
      },
      (n) => n === 0,
    );
  }

  async function bumpCalls(): Promise<number> {
    await onlineSessionsGone();
    return db.sql.begin(async (tx) => {
      await tx`select pg_stat_clear_snapshot()`;
      const [row] = await tx<
        { calls: number | null }[]
      >`select sum(calls)::int as calls from pg_stat_user_functions where funcname = 'bump'`;
      return row?.calls ?? 0;
    });
  }

  async function traces(): Promise<unknown> {
    const [effects] = await db.sql<{ n: number }[]>`select count(*)::int as n from side_effects`;
    const [sequence] = await db.sql<
      { lastValue: string; isCalled: boolean }[]
    >`select last_value::text as "lastValue", is_called as "isCalled" from s`;
    const columns = await db.sql<
      { name: string }[]
    >`select attname as name from pg_attribute where attrelid = 'items'::regclass and attnum > 0 and not attisdropped order by attnum`;
    const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    const tables = await db.sql<
      { name: string }[]
    >`select relname as name from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by 1`;
    return {
      sideEffects: effects?.n,
      sequence,
      columns: columns.map((c) => c.name),
      tables: tables.map((t) => t.name),
      ledger: state?.exists,
      bumpCalls: await bumpCalls(),
    };
  }

  const untouched = {
    sideEffects: 0,
    sequence: { lastValue: '1', isCalled: false },
    columns: ['id', 'label'],
    tables: ['items', 'side_effects'],
    ledger: false,
    bumpCalls: 0,
  };

  it.each([
    ['a function that writes a row', 'bump()'],
    ['nextval', "nextval('s')"],
  ])('start --dry-run, plan and check with a default calling %s leave no trace', async (_case, expression) => {
    expect(await traces()).toEqual(untouched);
    const flags = ['add-column', '--table', 'items', '--column', 'token', '--type', 'bigint', '--default', expression];

    const dry = await runCli(['start', ...flags, '--dry-run'], db.url);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`alter table "public"."items" alter column "token" set default (${expression});`);
    expect(await traces()).toEqual(untouched);

    const spec = join(dir, `0001-token-${expression.length}.yaml`);
    await writeFile(
      spec,
      `operations:\n  - op: add-column\n    table: items\n    column: token\n    type: bigint\n    default: "${expression}"\n`,
    );
    const plan = await runCli(['plan', spec], db.url);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('set the volatile default of token');
    expect(await traces()).toEqual(untouched);

    const check = await runCli(['check', dir], db.url);
    expect(check.stdout).toMatch(/^ok /m);
    expect(check.code).toBe(0);
    expect(await traces()).toEqual(untouched);
    await rm(spec);
  });

  // Every other field that takes an expression or a query, each calling the side-effecting function,
  // through `start <file> --dry-run` (which runs the whole pre-flight). PostgreSQL refuses a volatile
  // function in an index expression or predicate: that is a refusal (exit 2), and leaves no trace either.
  it.each([
    ['add-column backfill', { op: 'add-column', table: 'items', column: 'token', type: 'int', backfill: 'bump()' }, 0],
    ['set-not-null backfill', { op: 'set-not-null', table: 'items', column: 'label', backfill: 'bump()::text' }, 0],
    ['change-type using', { op: 'change-type', table: 'items', column: 'label', type: 'int', using: 'bump()' }, 0],
    ['change-type default', { op: 'change-type', table: 'items', column: 'label', type: 'varchar(100)', default: 'bump()::text' }, 0],
    ['add-check check', { op: 'add-check', table: 'items', name: 'items_bump_check', check: 'bump() > 0' }, 0],
    ['backfill set', { op: 'backfill', table: 'items', set: { label: 'bump()::text' }, where: 'label is null' }, 0],
    ['backfill where', { op: 'backfill', table: 'items', set: { label: "'x'" }, where: 'bump() = 0' }, 0],
    [
      'backfill verify',
      { op: 'backfill', table: 'items', set: { label: "'x'" }, where: "label <> 'x'", verify: 'select id from items where bump() = 0' },
      0,
    ],
    [
      'create-table default and check',
      { op: 'create-table', table: 'made', columns: [{ name: 'a', type: 'int', default: 'bump()' }], checks: [{ check: 'a < bump()' }] },
      0,
    ],
    ['create-index expression', { op: 'create-index', table: 'items', name: 'items_bump_idx', expressions: ['bump()'] }, 2],
    ['create-index where', { op: 'create-index', table: 'items', name: 'items_where_idx', columns: ['id'], where: 'bump() > 0' }, 2],
  ] as const)('start --dry-run of %s calling the function leaves no trace', async (name, operation, exitCode) => {
    expect(await traces()).toEqual(untouched);
    const spec = join(dir, `dry-${name.replace(/\W+/g, '-')}.json`);
    await writeFile(spec, JSON.stringify({ name: 'dry', operations: [operation] }));
    const dry = await runCli(['start', spec, '--dry-run'], db.url);
    expect(dry.code, dry.stderr).toBe(exitCode);
    if (exitCode === 2) expect(dry.stderr).toMatch(/IMMUTABLE/i);
    expect(await traces()).toEqual(untouched);
    await rm(spec);
  });

  it('a --throttle-query calling the function is only described before the run', async () => {
    expect(await traces()).toEqual(untouched);
    const dry = await runCli(
      [
        ...addColumnArgs({ table: 'items', column: 'token', type: 'int', backfill: '1' }),
        '--throttle-query',
        'select bump() = 0',
        '--dry-run',
      ],
      db.url,
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(await traces()).toEqual(untouched);
  });

  it('the real run treats the default as volatile: no rewrite, every existing row filled by the backfill, new rows by the default', async () => {
    const [before] = await db.sql<{ node: string }[]>`select relfilenode::text as node from pg_class where oid = 'items'::regclass`;
    const result = await runCli(
      ['start', 'add-column', '--table', 'items', '--column', 'token', '--type', 'bigint', '--default', 'bump()', '--complete'],
      db.url,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [after] = await db.sql<{ node: string }[]>`select relfilenode::text as node from pg_class where oid = 'items'::regclass`;
    expect(after?.node).toBe(before?.node);
    // Each call of bump() by online wrote one row, and track_functions saw every call: so the zero counts
    // above were real. (The backfill evaluates a volatile default in its filter too: two calls a row.)
    const [effects] = await db.sql<{ n: number }[]>`select count(*)::int as n from side_effects`;
    expect(effects?.n).toBeGreaterThanOrEqual(rows);
    expect(await bumpCalls()).toBe(effects?.n);
    await db.sql`insert into items (id, label) values (${rows + 1}, 'new')`;
    const [filled] = await db.sql<
      { total: number; ones: number }[]
    >`select count(*)::int as total, count(*) filter (where token = 1)::int as ones from items`;
    expect(filled).toEqual({ total: rows + 1, ones: rows + 1 });
  });
});
