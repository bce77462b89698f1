// --min-progress: a throttle that holds a backfill the whole time cannot starve it unnoticed. The
// throttle query here always holds, so every batch that runs is one the floor ran anyway; the floor is
// high enough (a 100-row batch every half second) that the test ends in seconds, and nothing timed is
// asserted: only what ran, what was said, and that every row came out right under writers.
import { afterEach, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/index.js';
import { addColumnArgs } from '../support/add-column-args.js';
import { expectCalmTraffic, startWriters } from '../support/concurrent-writers.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';
import { eventually, killWatchedRuns, watchCli, type Event } from '../support/watched-cli.js';

const batches = (events: readonly Event[]): Event[] => events.filter((e) => e.type === 'batch');
const floorEvents = (events: readonly Event[]): Event[] => events.filter((e) => e.type === 'min-progress');

describe('--min-progress under a throttle that never lets go', severalCliRuns, () => {
  const db = useTestDatabase('min_progress');
  afterEach(() => {
    killWatchedRuns();
  });

  const migrationOf = (table: string): string => `add-column-${table}-priority`;
  const startArgs = (table: string, ...extra: string[]): string[] => [
    ...addColumnArgs({ table, column: 'priority', type: 'text', backfill: priorityExpression, notNull: true }),
    '--throttle-query',
    'select true',
    '--probe-interval',
    '200ms',
    '--min-progress-window',
    '1s',
    ...extra,
    '--json',
  ];

  async function wrongRows(table: string): Promise<number> {
    const [row] = await db.sql<{ n: number }[]>`
      select count(*) filter (where priority is distinct from (${db.sql.unsafe(priorityExpression)}))::int as n from ${db.sql(table)}`;
    return row?.n ?? -1;
  }

  async function status(name: string): Promise<{ report: MigrationReport; text: string }> {
    const json = await runCli(['status', name, '--json'], db.url);
    expect(json.code).toBe(0);
    const [report] = (JSON.parse(json.stdout.trim()) as { migrations: MigrationReport[] }).migrations;
    if (report === undefined) throw new Error(`no status for ${name}`);
    const text = await runCli(['status', name], db.url);
    return { report, text: text.stdout };
  }

  it('with --min-progress-action run, finishes at the floor: min-size batches only, said, every row right under writers', async () => {
    const table = 'tickets_floor_run';
    await createTickets(db.sql, 2_000, table);
    const writers = startWriters(db.url, { table });
    const run = watchCli(startArgs(table, '--min-progress', '720000', '--min-progress-action', 'run', '--min-batch-size', '100'), db.url);
    const { code } = await run.exited;
    expect(run.stderr()).toBe('');
    expect(code).toBe(0);
    await expectCalmTraffic('writers during a floor-paced backfill', writers);

    const ran = batches(run.events());
    expect(ran.length).toBeGreaterThan(0);
    // The throttle never let go: every batch is one the floor ran, at --min-batch-size.
    expect(ran.every((b) => b.batchSize === 100)).toBe(true);
    const [said] = floorEvents(run.events());
    expect(said).toMatchObject({ rowsPerHour: 720_000, floorRows: 200, windowMs: 1_000, action: 'run', forcedBatchEveryMs: 500 });
    expect(said?.throttle).toContain('throttle query');
    expect(await wrongRows(table)).toBe(0);
    const [logged] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from online_migrate.events where migration = ${migrationOf(table)} and kind = 'below-min-progress'`;
    expect(logged?.n).toBeGreaterThan(0);
  });

  it('with the default action only warns: no batch runs, status says why, and the run goes on once the throttle lets go', async () => {
    const table = 'tickets_floor_warn';
    const name = migrationOf(table);
    await createTickets(db.sql, 2_000, table);
    await db.sql`create table floor_gate (hold boolean not null)`;
    await db.sql`insert into floor_gate values (true)`;
    const args = startArgs(table, '--min-progress', '720000');
    args[args.indexOf('select true')] = 'select hold from floor_gate';
    const run = watchCli(args, db.url);
    await run.until((events) => floorEvents(events).length > 0);
    expect(floorEvents(run.events())[0]).toMatchObject({ action: 'warn', forcedBatchEveryMs: null, rowsInWindow: 0 });
    expect(batches(run.events())).toEqual([]);

    const { report, text } = await status(name);
    expect(report.activity).toMatchObject({ state: 'throttled', belowMinProgress: { action: 'warn', floorRows: 200, rowsInWindow: 0 } });
    expect(text).toMatch(/below --min-progress \(720,000 rows\/h\): 0 rows in the last 1s, floor 200; held by throttle query/);
    expect(text).toContain('--min-progress-action run would run batches anyway');

    await db.sql`update floor_gate set hold = false`;
    const { code } = await run.exited;
    expect(code).toBe(0);
    expect(await wrongRows(table)).toBe(0);
    await eventually(
      async () => (await status(name)).report.activity,
      (activity) => activity === null,
    );
  });
});
