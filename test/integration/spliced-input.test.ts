// Input that cannot escape: every spec field that is spliced into SQL is held to PostgreSQL's own
// grammar in pre-flight, so a smuggled clause or statement exits 2 with nothing changed. One case per
// field family, and the change-type reproduction (`--default "0, drop column secret"`) through the CLI.
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSpec, planMigration, PreflightError, startMigration } from '../../src/index.js';
import { catalogSnapshot, type CatalogSnapshot } from '../support/catalog-snapshot.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { preflightRefusal } from '../support/preflight-refusal.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { addColumnArgs } from '../support/add-column-args.js';

describe('spliced input', () => {
  const db = useTestDatabase('spliced_input');
  let before: CatalogSnapshot;
  beforeAll(async () => {
    await db.sql.unsafe(`
      create table t (id bigint primary key, code int not null default 0, secret text, note text);
      insert into t select g, g, 'secret ' || g, null from generate_series(1, 50) g;
      create domain positive_int as int check (value > 0);
      create function volatile_plus(a int, b int) returns int language sql volatile as 'select a + b';
      create operator ### (leftarg = int, rightarg = int, function = volatile_plus);`);
    before = await catalogSnapshot(db.sql, 't');
  });

  async function expectNothingChanged(): Promise<void> {
    expect(await catalogSnapshot(db.sql, 't')).toEqual(before);
    const [rows] = await db.sql<{ n: number; secrets: number }[]>`select count(*)::int as n, count(secret)::int as secrets from t`;
    expect(rows).toEqual({ n: 50, secrets: 50 });
    const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    expect(state?.exists).toBe(false);
  }

  it('change-type --default "0, drop column secret" exits 2, changes nothing, and secret is still there', async () => {
    const result = await runCli(
      ['start', 'change-type', '--table', 't', '--column', 'code', '--type', 'bigint', '--default', '0, drop column secret', '--complete'],
      db.url,
    );
    expect(result.stderr).toMatch(
      /pre-flight failed: default must be exactly one expression: it does not parse: syntax error at or near "secret" \(a top-level comma\?\)/,
    );
    expect(result.stderr).toContain('expression: 0, drop column secret');
    expect(result.code).toBe(2);
    await expectNothingChanged();
    expect(before.columns.secret).toBeDefined();
  });

  const escape = '1) , (2';
  it.each([
    [
      'add-column default',
      { op: 'add-column', table: 't', column: 'c', type: 'int', default: '0, 1' },
      /default must be exactly one expression: found 2 \(a top-level comma\?\)/,
    ],
    [
      'add-column type',
      { op: 'add-column', table: 't', column: 'c', type: 'int, drop column secret' },
      /type must be exactly one type name/,
    ],
    [
      'add-column backfill',
      { op: 'add-column', table: 't', column: 'c', type: 'int', backfill: escape },
      /backfill must be exactly one expression/,
    ],
    [
      'set-not-null backfill',
      { op: 'set-not-null', table: 't', column: 'note', backfill: "'x') from t; drop table t; select ('" },
      /backfill must be exactly one expression/,
    ],
    [
      'change-type using',
      { op: 'change-type', table: 't', column: 'code', type: 'bigint', using: 'code) , secret = (null' },
      /using must be exactly one expression/,
    ],
    ['change-type type', { op: 'change-type', table: 't', column: 'code', type: 'bigint) , (1' }, /type must be exactly one type name/],
    [
      'add-check check',
      { op: 'add-check', table: 't', check: 'code > 0) not valid, drop column secret, add check (true' },
      /check must be exactly one expression/,
    ],
    [
      'create-table check',
      { op: 'create-table', table: 'u', columns: [{ name: 'a', type: 'int' }], checks: [{ check: 'a > 0 -- )' }] },
      /checks\[0\] must be exactly one expression: comments are not allowed/,
    ],
    [
      'create-table default',
      { op: 'create-table', table: 'u', columns: [{ name: 'a', type: 'int', default: '1 /* ) */' }] },
      /a default must be exactly one expression: comments are not allowed/,
    ],
    [
      'create-table type',
      { op: 'create-table', table: 'u', columns: [{ name: 'a', type: 'int primary key, b text' }] },
      /a type must be exactly one type name/,
    ],
    [
      'backfill set',
      { op: 'backfill', table: 't', set: { note: "'x', secret = null" }, where: 'note is null' },
      /set note must be exactly one expression: found 2/,
    ],
    [
      'backfill where',
      { op: 'backfill', table: 't', set: { note: "'x'" }, where: 'true) or (true' },
      /where must be exactly one expression/,
    ],
    [
      'backfill verify',
      {
        op: 'backfill',
        table: 't',
        set: { note: "'x'" },
        where: 'note is null',
        verify: 'select 1) as v; delete from t; select * from (select 1',
      },
      /verify must be exactly one read-only SELECT/,
    ],
    [
      'create-index where',
      { op: 'create-index', table: 't', columns: ['note'], where: 'true) include (secret' },
      /where must be exactly one expression/,
    ],
    [
      'create-index expression',
      { op: 'create-index', table: 't', expressions: ['lower(note)), (secret'] },
      /expressions\[0\] must be exactly one expression/,
    ],
    [
      'sql set_config',
      { op: 'sql', phase: 'expand', sql: "select set_config('search_path', 'pg_temp', false)" },
      /set_config\(…, false\) changes the session/,
    ],
  ])('%s', async (_case, operation, message) => {
    await preflightRefusal(db.url, operation, undefined, { message });
    await expectNothingChanged();
  });

  it('--throttle-query must be exactly one read-only SELECT', async () => {
    const result = await runCli(
      [
        ...addColumnArgs({ table: 't', column: 'c', type: 'int', backfill: '1' }),
        '--throttle-query',
        'select false; update t set secret = null',
      ],
      db.url,
    );
    expect(result.stderr).toMatch(/--throttle-query must be exactly one read-only SELECT: found 2 statements/);
    expect(result.code).toBe(2);
    await expectNothingChanged();
  });

  it('a server with standard_conforming_strings off is refused before anything is spliced', async () => {
    const url = new URL(db.url);
    url.searchParams.set('options', '-c standard_conforming_strings=off');
    const spec = parseSpec({ operations: [{ op: 'add-column', table: 't', column: 'c', type: 'text', default: "'a\\'" }] }, 'test');
    await expectOnlineError(startMigration({ databaseUrl: url.toString(), spec }), PreflightError, {
      exitCode: 2,
      message: /standard_conforming_strings is off/,
    });
    await expectNothingChanged();
  });

  describe('volatility of an add-column default, from the catalog', () => {
    const plannedVolatile = async (type: string, expression: string): Promise<boolean> => {
      const spec = parseSpec({ operations: [{ op: 'add-column', table: 't', column: 'c', type, default: expression }] }, 'test');
      const plan = await planMigration({ databaseUrl: db.url, spec });
      return plan.expand.some((s) => s.description.startsWith('set the volatile default'));
    };

    it.each([
      ['int', '42', false],
      ['text', "'normal'", false],
      ['timestamptz', 'now()', false],
      ['text', "lower('X') || 'y'", false],
      ['boolean', "1 in (1, 2) and 'a' like 'a%' and 2 between 1 and 3", false],
      ['uuid', 'gen_random_uuid()', true],
      ['timestamptz', 'clock_timestamp()', true],
      ['double precision', 'random() * 10', true],
      ['int', '1 ### 2', true],
      ['int', 'pg_catalog.abs(-1) ### 2', true],
      ['positive_int', '1', true],
      ['int', '1::positive_int', true],
      ['int', 'case 1 when 1 then volatile_plus(1, 2) else 0 end', true],
    ])('%s default %s: volatile %s', async (type, expression, volatile) => {
      expect(await plannedVolatile(type, expression)).toBe(volatile);
    });

    it('a default PostgreSQL refuses in a DEFAULT (a subquery) exits 2 in pre-flight', async () => {
      const spec = parseSpec({ operations: [{ op: 'add-column', table: 't', column: 'c', type: 'int', default: '(select 1)' }] }, 'test');
      await expectOnlineError(planMigration({ databaseUrl: db.url, spec }), PreflightError, {
        exitCode: 2,
        message: /cannot use subquery in DEFAULT expression/,
      });
    });
  });
});
