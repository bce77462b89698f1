// `--concurrency auto --max-concurrency 3` through the built CLI, under application writes: the run says
// how many workers it wants and why (`workers` events), `status` shows it while the run goes on, the
// application sees no error, and every row ends right.
import { afterEach, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/index.js';
import { addColumnArgs } from '../support/add-column-args.js';
import { startWriters } from '../support/concurrent-writers.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { statusReport } from '../support/status-report.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';
import { killWatchedRuns, watchCli } from '../support/watched-cli.js';

describe('--concurrency auto', () => {
  const db = useTestDatabase('auto_concurrency');
  afterEach(() => {
    killWatchedRuns();
  });

  const status = (name: string): Promise<MigrationReport> => statusReport(db.url, name);

  it('adds workers while they pay, shows how many and why in status, and fills every row under writes', severalCliRuns, async () => {
    const table = 'tickets_auto';
    const name = `add-column-${table}-priority`;
    const seeded = 60_000;
    await createTickets(db.sql, seeded, table);
    const writers = startWriters(db.url, { table, writers: 2 });
    try {
      const run = watchCli(
        [
          ...addColumnArgs({ table, column: 'priority', type: 'text', backfill: priorityExpression, notNull: true }),
          '--concurrency',
          'auto',
          '--max-concurrency',
          '3',
          // About 20 s of work: long enough for the controller to measure one worker, add a second and judge it.
          '--max-rows-per-second',
          '3000',
          '--probe-interval',
          '300ms',
          '--json',
        ],
        db.url,
      );
      await run.until((events) => events.some((e) => e.type === 'workers'));
      expect(run.events().find((e) => e.type === 'workers')).toMatchObject({
        migration: name,
        workers: 1,
        max: 3,
        change: 'start',
        reason: 'starting with 1 worker; adds one while rows/s rises 10% or more and health allows, up to 3',
      });

      // Paused (so the run waits for the checks), status shows the workers record: as data, and in words.
      expect((await runCli(['pause', name], db.url)).code).toBe(0);
      await run.until((events) => events.some((e) => e.type === 'activity' && e.state === 'paused'));
      // Paused, no batch runs, so the workers wanted stay as the last event said.
      const last = run.events().findLast((e) => e.type === 'workers');
      const live = await status(name);
      expect(live).toMatchObject({ state: 'running', activity: { state: 'paused' } });
      expect(live.workers).toEqual({ workers: last?.workers, max: 3, reason: last?.reason, since: expect.any(String) as unknown });
      const text = await runCli(['status', name], db.url);
      const line = `  workers: ${String(last?.workers)} of max 3 (auto): ${String(last?.reason)} (since `;
      expect(text.stdout.split('\n').filter((l) => l.startsWith('  workers: '))).toEqual([expect.stringContaining(line) as unknown]);
      expect((await runCli(['unpause', name], db.url)).code).toBe(0);

      // A second worker is tried once the first has been measured; the rate cap means it gains too little.
      await run.until((events) => events.some((e) => e.type === 'workers' && e.change === 'add'));
      expect(run.events().find((e) => e.type === 'workers' && e.change === 'add')).toMatchObject({
        workers: 2,
        max: 3,
        reason: expect.stringMatching(/^added a 2nd worker: 1 made [\d,]+ rows\/s$/) as unknown,
      });

      const { code } = await run.exited;
      expect(run.stderr()).toBe('');
      expect(code).toBe(0);
      expect(run.events().at(-1)).toMatchObject({ migration: name, status: 'awaiting_contract' });
      // Every change says why; the count never passes the maximum.
      for (const change of run.events().filter((e) => e.type === 'workers')) {
        expect(change.workers).toBeGreaterThanOrEqual(1);
        expect(change.workers).toBeLessThanOrEqual(3);
        expect(change.reason).toMatch(/^(starting with|added a|back to|down to) /);
      }
      expect(await status(name)).toMatchObject({ state: 'awaiting_contract', workers: null });
    } finally {
      const traffic = await writers.stop();
      expect(traffic.errors).toEqual([]);
      expect(traffic.operations).toBeGreaterThan(0);
    }
    const [check] = await db.sql<{ wrong: number; nulls: number }[]>`
      select count(*) filter (where priority is distinct from (${db.sql.unsafe(priorityExpression)}))::int as wrong,
             count(*) filter (where priority is null)::int as nulls
      from ${db.sql(table)}`;
    expect(check).toEqual({ wrong: 0, nulls: 0 });
    const [cursors] = await db.sql<{ rows: number; done: boolean }[]>`
      select sum(rows_done)::int as rows, bool_and(done) as done from online_migrate.backfill_cursors where migration = ${name}`;
    // Rows the writers touched first were filled by the trigger and skipped; none is counted twice.
    expect(cursors?.done).toBe(true);
    expect(cursors?.rows).toBeGreaterThan(seeded / 2);
    const [total] = await db.sql<{ n: number }[]>`select count(*)::int as n from ${db.sql(table)}`;
    expect(cursors?.rows).toBeLessThanOrEqual(total?.n ?? 0);
  });
});
