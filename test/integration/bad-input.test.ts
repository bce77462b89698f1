import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogSnapshot, type CatalogSnapshot } from '../support/catalog-snapshot.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

describe('bad input exits 2 and changes nothing', () => {
  const db = useTestDatabase('bad_input');
  let before: CatalogSnapshot;
  let dir: string;
  beforeAll(async () => {
    await createTickets(db.sql, 100);
    await db.sql`create table audit_log (at timestamptz not null, message text)`;
    before = await catalogSnapshot(db.sql);
    dir = await mkdtemp(join(tmpdir(), 'online-bad-'));
  });

  async function expectNothingChanged(): Promise<void> {
    expect(await catalogSnapshot(db.sql)).toEqual(before);
    const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    expect(state?.exists).toBe(false);
  }

  const addColumn = (...extra: string[]) => [
    'start',
    'add-column',
    '--table',
    'tickets',
    '--column',
    'priority',
    '--type',
    'text',
    ...extra,
  ];

  it.each([
    [
      'an unknown table',
      ['start', 'add-column', '--table', 'nope', '--column', 'c', '--type', 'text'],
      /table public\.nope does not exist/,
    ],
    [
      'a column that already exists',
      ['start', 'add-column', '--table', 'tickets', '--column', 'status', '--type', 'text'],
      /column status already exists/,
    ],
    ['an unknown type', addColumn().map((a) => (a === 'text' ? 'textt' : a)), /type "textt" does not exist/],
    [
      'an expression that does not compile',
      addColumn('--backfill', 'CASE WHEN nonexistent THEN 1 END'),
      /backfill expression does not compile: column "nonexistent" does not exist/,
    ],
    ['an expression that tries to escape', addColumn('--backfill', "'x'), status = ('y'"), /unbalanced "\)"/],
    ['a missing required flag', ['start', 'add-column', '--table', 'tickets', '--column', 'priority'], /--type: required/],
    ['NOT NULL with nothing to fill it', addColumn('--not-null'), /--not-null: nullable: false needs a default or a backfill expression/],
    ['an invalid --lock-timeout', addColumn('--lock-timeout', 'soon'), /--lock-timeout must be a duration/],
    ['a flag of another operation', addColumn('--unique', '--where', 'true'), /not a flag of this operation: --unique, --where/],
    [
      'a foreign key without its referenced columns',
      ['start', 'add-foreign-key', '--table', 'tickets', '--columns', 'id', '--references-table', 'tickets'],
      /--references-columns: required/,
    ],
    ['a negative batch size', addColumn('--backfill', "'x'", '--batch-size=-5'), /greater than or equal to 1/],
    ['a zero concurrency', addColumn('--backfill', "'x'", '--concurrency', '0'), /--concurrency: Too small: expected number to be >=1/],
    [
      'a concurrency neither a number nor auto',
      addColumn('--backfill', "'x'", '--concurrency', 'lots'),
      /--concurrency must be a number of workers from 1 to 64, or auto: "lots"/,
    ],
    [
      'a --max-concurrency without auto',
      addColumn('--backfill', "'x'", '--concurrency', '2', '--max-concurrency', '6'),
      /--max-concurrency: applies only with concurrency auto/,
    ],
    [
      'min batch size above max',
      addColumn('--backfill', "'x'", '--min-batch-size', '500', '--max-batch-size', '100'),
      /min batch size 500 is greater than max batch size 100/,
    ],
    [
      'a batch size outside min and max',
      addColumn('--backfill', "'x'", '--batch-size', '5'),
      /batch size 5 is outside \[min 10, max 50000\]/,
    ],
    ['a malformed window', addColumn('--backfill', "'x'", '--window', '25:00-03:00'), /--window "25:00-03:00"/],
    ['a window that is not a range', addColumn('--backfill', "'x'", '--window', 'nightly'), /--window "nightly"/],
    [
      'an unknown time zone',
      addColumn('--backfill', "'x'", '--window', '22:00-06:00', '--timezone', 'Mars/Olympus_Mons'),
      /timezone: is not a known IANA time zone/,
    ],
    [
      'a throttle query that is not boolean',
      addColumn('--backfill', "'x'", '--throttle-query', 'select 1'),
      /--throttle-query must return exactly one boolean column/,
    ],
    [
      'a throttle query that does not compile',
      addColumn('--backfill', "'x'", '--throttle-query', 'select nope from nowhere'),
      /--throttle-query does not compile/,
    ],
    ['a malformed --max-retained-wal', addColumn('--backfill', "'x'", '--max-retained-wal', 'lots'), /--max-retained-wal/],
  ])('%s', async (_case, args, message) => {
    const result = await runCli(args, db.url);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    await expectNothingChanged();
  });

  it('a malformed spec file, naming the path of each problem', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'operations:\n  - op: add-column\n    table: tickets\n    column: priority\n    nullable: "no"\n');
    const result = await runCli(['start', file], db.url);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('operations[0].type: required');
    expect(result.stderr).toContain('operations[0].nullable: Invalid input: expected boolean, received string');
    await expectNothingChanged();
  });

  it('a file that is not YAML at all', async () => {
    const file = join(dir, 'not-yaml.yaml');
    await writeFile(file, 'operations: [unclosed\n');
    const result = await runCli(['start', file], db.url);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not valid YAML/);
    await expectNothingChanged();
  });

  it('reports errors as JSON under --json, without the password', async () => {
    const result = await runCli([...addColumn().map((a) => (a === 'tickets' ? 'nope' : a)), '--json'], db.url);
    expect(result.code).toBe(2);
    const output = JSON.parse(result.stdout.trim()) as { error: { code: string; exitCode: number } };
    expect(output.error).toMatchObject({ code: 'TABLE_NOT_FOUND', exitCode: 2 });
    const password = new URL(db.url).password;
    expect(result.stdout + result.stderr).not.toContain(password);
  });

  it('a dry run prints every phase and changes nothing', async () => {
    const result = await runCli(
      addColumn('--default', "'normal'", '--backfill', "CASE WHEN escalated THEN 'high' ELSE 'normal' END", '--not-null', '--dry-run'),
      db.url,
    );
    expect(result.code).toBe(0);
    for (const phase of ['-- expand', '-- backfill public.tickets.priority', '-- contract', '-- rollback'])
      expect(result.stdout).toContain(phase);
    await expectNothingChanged();
  });

  it('an unreachable database exits 2 without printing the password', async () => {
    const result = await runCli(addColumn('--database-url', 'postgres://app:hunter2secret@127.0.0.1:1/db'), db.url);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot connect to postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/db/);
    expect(result.stderr).not.toContain('hunter2secret');
  });
});
