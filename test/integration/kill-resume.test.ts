import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWriters } from '../support/concurrent-writers.js';
import { jsonLines, runCli, severalCliRuns, spawnCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';
import { killWatchedRuns, watchCli, type Event } from '../support/watched-cli.js';
import { migrationStatus } from '../../src/index.js';
import { addColumnArgs } from '../support/add-column-args.js';

const rows = 40_000;

describe('kill -9 mid-backfill, then resume', severalCliRuns, () => {
  const db = useTestDatabase('kill_resume');
  beforeAll(async () => {
    await createTickets(db.sql, rows);
  });
  afterEach(() => killWatchedRuns());

  it('resumes from the last committed batch with every row correct and counted once', async () => {
    // A gate the test closes holds the run at a batch boundary (its throttle query) while status is read:
    // on a busy machine reading it takes long enough for a free-running backfill to finish first.
    await db.sql`create table kill_gate (hold boolean not null)`;
    await db.sql`insert into kill_gate values (false)`;
    // By the key: the cursor and the batch counts below are keyset's (test/integration/page-ranges.test.ts covers page ranges).
    const args = [
      ...addColumnArgs({ table: 'tickets', column: 'priority', type: 'text', backfill: priorityExpression, notNull: true }),
      '--no-page-ranges',
    ];
    const run = watchCli(
      [
        ...args,
        '--batch-size',
        '500',
        '--max-batch-size',
        '500',
        '--pause-ms',
        '30',
        '--throttle-query',
        'select hold from kill_gate',
        '--probe-interval',
        '300ms',
        '--json',
      ],
      db.url,
    );
    const batches = (events: readonly Event[]): number => events.filter((e) => e.type === 'batch').length;
    await run.until((events) => batches(events) >= 8);
    await db.sql`update kill_gate set hold = true`;
    await run.until((events) => events.some((e) => e.type === 'activity' && e.state === 'throttled'));
    const [running] = await migrationStatus({ databaseUrl: db.url });
    expect(running).toMatchObject({ state: 'running', phase: 'backfill', worker: { pid: run.child.pid, alive: true } });
    // Batches flow again; the kill lands right after the next one, mid-backfill.
    const held = batches(run.events());
    await db.sql`update kill_gate set hold = false`;
    await run.until((events) => batches(events) > held);
    run.child.kill('SIGKILL');
    await run.exited;
    expect(run.child.signalCode).toBe('SIGKILL');

    const status = await runCli(['status', '--json'], db.url);
    expect(status.code).toBe(0);
    const report = (
      JSON.parse(status.stdout.trim()) as {
        migrations: { name: string; state: string; backfill: { cursor: string[] | null; rowsDone: number; done: boolean }[] }[];
      }
    ).migrations[0];
    expect(report?.state).toBe('interrupted');
    expect(report?.backfill[0]?.done).toBe(false);
    expect(Number(report?.backfill[0]?.cursor?.[0])).toBeGreaterThanOrEqual(8 * 500);
    expect(report?.backfill[0]?.rowsDone).toBeGreaterThanOrEqual(8 * 500);
    const human = await runCli(['status'], db.url);
    expect(human.stdout).toContain('add-column-tickets-priority: interrupted');
    expect(human.stdout).toMatch(/cursor \(\d+\)/);

    // The application keeps inserting while the migration is resumed (inserts only, so that the
    // rows needing backfill are exactly the original ones).
    const writers = startWriters(db.url, { writers: 2, updates: false });
    const resumed = await runCli(['resume', '--batch-size', '2000', '--max-batch-size', '2000'], db.url);
    const traffic = await writers.stop();
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('resuming after');
    expect(traffic.errors).toEqual([]);

    const [wrong] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from tickets where priority is distinct from (${db.sql.unsafe(priorityExpression)})`;
    expect(wrong?.n).toBe(0);
    // Rows written by the application after the kill were filled by the trigger, not the backfill,
    // and the original rows were each counted exactly once.
    const [cursor] = await db.sql<{ rowsDone: number; done: boolean }[]>`
      select rows_done::int as "rowsDone", done from online_migrate.backfill_cursors`;
    expect(cursor).toEqual({ rowsDone: rows, done: true });
    const [override] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from online_migrate.events where kind = 'options-overridden'`;
    expect(override?.n).toBe(1);

    const completed = await runCli(['complete'], db.url);
    expect(completed.code).toBe(0);
    const [column] = await db.sql<
      { notNull: boolean }[]
    >`select attnotnull as "notNull" from pg_attribute where attrelid = 'tickets'::regclass and attname = 'priority'`;
    expect(column?.notNull).toBe(true);
  });

  // SIGHUP is what a closed terminal or SSH session sends: it must stop as gracefully as SIGTERM.
  it.each(['SIGTERM', 'SIGHUP'] as const)('stops gracefully on %s with exit 3, records the stop, and resumes', async (signal) => {
    const table = `tickets_${signal.toLowerCase()}`;
    const migration = `add-column-${table}-flag`;
    await createTickets(db.sql, 20_000, table);
    const child = spawnCli(
      [
        ...addColumnArgs({ table, column: 'flag', type: 'boolean', backfill: 'escalated' }),
        // By the key, so that every batch is exactly 200 rows.
        '--no-page-ranges',
        '--batch-size',
        '200',
        '--min-batch-size',
        '200',
        '--max-batch-size',
        '200',
        '--pause-ms',
        '20',
        '--json',
      ],
      db.url,
    );
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      if (jsonLines(buffered).filter((e) => e.type === 'batch').length >= 5 && !child.killed) child.kill(signal);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(3);
    const lines = jsonLines(buffered);
    expect(lines.at(-1)).toMatchObject({ error: { code: 'STOPPED', exitCode: 3 } });

    const status = await runCli(['status', migration, '--json'], db.url);
    const report = (JSON.parse(status.stdout.trim()) as { migrations: { state: string; backfill: { rowsDone: number }[] }[] })
      .migrations[0];
    expect(report?.state).toBe('stopped');
    const doneAtStop = report?.backfill[0]?.rowsDone ?? 0;
    expect(doneAtStop).toBeGreaterThan(0);
    // A fixed size (min = max), so a stop between batches leaves a whole number of batches.
    expect(doneAtStop % 200).toBe(0);

    const resumed = await runCli(['resume', migration], db.url);
    expect(resumed.code).toBe(0);
    const [wrong] = await db.sql<{ n: number }[]>`select count(*)::int as n from ${db.sql(table)} where flag is distinct from escalated`;
    expect(wrong?.n).toBe(0);
  });
});
