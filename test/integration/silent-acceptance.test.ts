// What `online start` used to accept and then ignore or misread, through the built CLI: operation flags
// given with a spec file, durations without a unit, a dry run that let pass what a run refuses, and
// PostgreSQL NOTICEs in a --json stream. Each refusal exits 2 and changes nothing. And the closing line
// of a start says what its `complete` will do, from the plan.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { databaseSnapshot } from '../support/catalog-snapshot.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, examplePath } from '../support/tickets-fixture.js';

const addColumn = (column: string, ...extra: string[]): string[] => addColumnTo('tickets', column, ...extra);
const addColumnTo = (table: string, column: string, ...extra: string[]): string[] => [
  'start',
  'add-column',
  '--table',
  table,
  '--column',
  column,
  '--type',
  'text',
  '--backfill',
  "'x'",
  ...extra,
];

describe('refused, not ignored: exit 2 and nothing changed', severalCliRuns, () => {
  const db = useTestDatabase('silent_acceptance');
  let before: readonly string[];
  let dir: string;
  beforeAll(async () => {
    await createTickets(db.sql, 50);
    before = await databaseSnapshot(db.sql);
    dir = await mkdtemp(join(tmpdir(), 'online-silent-'));
  });

  async function expectNothingChanged(): Promise<void> {
    expect(await databaseSnapshot(db.sql)).toEqual(before);
    const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    expect(state?.exists).toBe(false);
  }

  it('operation flags with a spec file, naming each and where they apply', async () => {
    const result = await runCli(
      ['start', examplePath('add-priority.yaml'), '--table', 'foo', '--not-null', '--migration-name', 'x'],
      db.url,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: --migration-name, --table, --not-null apply only to `start <operation>`; \S+add-priority\.yaml is a spec file, which gives its own fields: put them in the file, or leave them out\n$/,
    );
    await expectNothingChanged();
  });

  it('a duration without a unit, on the command line and in the config, naming the units', async () => {
    const flag = await runCli(addColumn('priority', '--lock-timeout', '1'), db.url);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe('error: --lock-timeout needs a unit: 1ms or 1s? (units: ms, s, m (or min), h)\n');

    const config = join(dir, 'online.config.json');
    await writeFile(config, JSON.stringify({ throttle: { 'max-replication-lag': 10 } }));
    const fromConfig = await runCli(addColumn('priority', '--config', config), db.url);
    expect(fromConfig.code).toBe(2);
    expect(fromConfig.stderr).toContain('throttle.max-replication-lag: needs a unit: 10ms or 10s? (units: ms, s, m (or min), h)');
    await expectNothingChanged();
  });

  it.each([
    ['an impossible window', ['--window', '25:00-26:00'], /--window "25:00-26:00": hours must be 00–23/],
    ['an unknown time zone', ['--window', '22:00-06:00', '--timezone', 'Mars/Olympus'], /timezone: is not a known IANA time zone/],
    ['a throttle query that is not boolean', ['--throttle-query', 'select 1'], /--throttle-query must return exactly one boolean column/],
    ['a batch size outside min and max', ['--batch-size', '5'], /batch size 5 is outside \[min 10, max 50000\]/],
    ['a duration without a unit', ['--statement-timeout', '30'], /--statement-timeout needs a unit: 30ms or 30s\?/],
  ])('%s: refused by --dry-run exactly as by a start', async (_case, flags, message) => {
    const run = await runCli(addColumn('priority', ...flags), db.url);
    const dryRun = await runCli(addColumn('priority', ...flags, '--dry-run'), db.url);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(2);
    expect(dryRun).toEqual(run);
    await expectNothingChanged();
  });
});

describe('a start on a fresh database', severalCliRuns, () => {
  const db = useTestDatabase('silent_acceptance_json');
  beforeAll(async () => {
    for (const table of ['tickets', 'tickets_b', 'tickets_c']) await createTickets(db.sql, 50, table);
  });

  it('under --json prints only our events and the result, no PostgreSQL NOTICE, in both starts', async () => {
    // The second start's `create schema if not exists` of the ledger draws "schema … already exists, skipping".
    for (const table of ['tickets', 'tickets_b']) {
      const result = await runCli(addColumnTo(table, 'priority', '--json'), db.url);
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n').filter((line) => line !== '');
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const event of parsed.slice(0, -1)) expect(event.type).toMatch(/^[a-z-]+$/);
      expect(parsed.map((event) => event.type)).not.toContain('notice');
      expect(result.stdout + result.stderr).not.toMatch(/skipping|NOTICE/);
      expect(parsed.at(-1)).toMatchObject({ migration: `add-column-${table}-priority`, status: 'awaiting_contract' });
    }
  });

  it('a dry run refuses what a start refuses about the ledger too: a migration of that name exists', async () => {
    const run = await runCli(addColumn('priority'), db.url);
    const dryRun = await runCli(addColumn('priority', '--dry-run'), db.url);
    expect(run.code).toBe(2);
    expect(dryRun).toEqual(run);
  });

  it("closes with what `complete` will do, from the plan: a drop-column's start changes nothing and complete drops the column", async () => {
    const result = await runCli(['start', 'drop-column', '--table', 'tickets_c', '--column', 'description'], db.url);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe(
      '✓ drop-column-tickets_c-description checked and recorded; nothing changed yet; ' +
        'run `online complete drop-column-tickets_c-description` to drop column description of public.tickets_c',
    );
  });
});
