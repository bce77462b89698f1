// `online plan <file>` forecasts every step against the live catalog: lock modes and tables, rewrite
// and scan flags with the table's sizes, positive durations and WAL, the backfill calibrated on the
// real table; and the calibration leaves nothing behind and blocks no writer.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanForecast } from '../../src/forecast/plan-forecast.js';
import { startWriters } from '../support/concurrent-writers.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';

const rows = 12_000;

describe('online plan <file> forecasts', () => {
  const db = useTestDatabase('forecast');
  let dir = '';
  beforeAll(async () => {
    await createTickets(db.sql, rows);
    // The inserts' statistics reach pg_stat asynchronously: once they have, VACUUM ANALYZE sets the live row count for good.
    const inserted = async () =>
      (await db.sql<{ n: number }[]>`select coalesce(sum(n_tup_ins), 0)::int as n from pg_stat_user_tables where relname = 'tickets'`)[0]
        ?.n ?? 0;
    for (let polls = 0; (await inserted()) < rows; polls++) {
      if (polls > 600) throw new Error('the inserts never reached pg_stat_user_tables');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await db.sql`vacuum analyze tickets`;
    dir = await mkdtemp(join(tmpdir(), 'online-forecast-'));
  });

  async function plan(operation: Record<string, unknown>, ...flags: string[]): Promise<{ forecast: PlanForecast; stdout: string }> {
    const file = join(dir, `${String(operation.op)}.json`);
    await writeFile(file, JSON.stringify({ name: `forecast-${String(operation.op)}`, operations: [operation] }));
    const json = await runCli(['plan', file, '--json', ...flags], db.url);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const human = await runCli(['plan', file, ...flags], db.url);
    expect(human.code).toBe(0);
    return { forecast: (JSON.parse(json.stdout) as { forecast: PlanForecast }).forecast, stdout: human.stdout };
  }

  /** Every row's values and xmin: a rolled-back calibration changes neither. */
  const fingerprint = async () =>
    (
      await db.sql<{ n: number; digest: string; xmins: string }[]>`
      select count(*)::int as n, md5(string_agg(t::text, ',' order by id)) as digest, sum(xmin::text::bigint)::text as xmins from tickets t`
    )[0];

  it('add-column: brief ACCESS EXCLUSIVE, no rewrite, a calibrated backfill that leaves no trace', async () => {
    const before = await fingerprint();
    const { forecast, stdout } = await plan({
      op: 'add-column',
      table: 'tickets',
      column: 'priority',
      type: 'text',
      backfill: priorityExpression,
      nullable: false,
    });
    expect(await fingerprint()).toEqual(before);
    expect(forecast.expand[0]?.locks).toEqual([
      { relation: 'public.tickets', mode: 'access exclusive', hold: 'brief', reasons: ['ALTER TABLE … ADD COLUMN'] },
    ]);
    expect(forecast.expand[0]?.rewrites).toEqual({ answer: 'no', tables: [] });
    const [task] = forecast.backfill;
    expect(task).toMatchObject({ id: 'public.tickets.priority', table: 'public.tickets', rows, rowsNeedingWork: rows, calibrated: true });
    expect(task?.estimate.method).toMatch(/^calibrated: a stand-in UPDATE .* 3 sample key ranges \(600 rows\), rolled back/);
    expect(task?.estimate.seconds).toBeGreaterThan(0);
    expect(task?.estimate.walBytes).toBeGreaterThan(0);
    expect(forecast.totals.seconds).toBeGreaterThan(task?.estimate.seconds ?? 0);
    const validate = forecast.contract[0];
    expect(validate?.locks[0]).toMatchObject({ relation: 'public.tickets', mode: 'share update exclusive' });
    expect(validate?.scans.answer).toBe('yes');
    expect(validate?.scans.tables[0]).toMatchObject({ relation: 'public.tickets', rows });
    expect(validate?.scans.tables[0]?.pages).toBeGreaterThan(0);
    expect(stdout).toContain('--    forecast locks: ACCESS EXCLUSIVE on public.tickets (brief)');
    expect(stdout).toMatch(/-- forecast: 12,000 of 12,000 rows to write, ~[\d.]+ (s|min), ~[\d.]+ [KM]B WAL \(calibrated/);
    expect(stdout).toMatch(/-- forecast, expand \+ backfill \+ contract: ~/);
  });

  it('backfill: the planned UPDATE itself is calibrated, and only rows needing work count', async () => {
    const { forecast } = await plan({ op: 'backfill', table: 'tickets', set: { status: "'closed'" }, where: "status = 'resolved'" });
    const [task] = forecast.backfill;
    expect(task?.calibrated).toBe(true);
    expect(task?.estimate.method).toMatch(/^calibrated: the planned UPDATE over/);
    // a fifth of the fixture's rows are resolved; the three sampled ranges see about that share.
    expect(task?.rowsNeedingWork).toBeGreaterThan(0);
    expect(task?.rowsNeedingWork).toBeLessThan(rows);
  });

  it('create-index: SHARE UPDATE EXCLUSIVE for the whole build, a scan, a positive index size', async () => {
    const { forecast } = await plan({ op: 'create-index', table: 'tickets', columns: ['status', 'created_at'] });
    const [build] = forecast.expand;
    expect(build?.locks).toEqual([
      { relation: 'public.tickets', mode: 'share update exclusive', hold: 'long', reasons: ['CREATE INDEX CONCURRENTLY'] },
    ]);
    expect(build?.scans).toMatchObject({ answer: 'yes', tables: [{ relation: 'public.tickets', rows }] });
    expect(build?.newIndexBytes).toBeGreaterThan(0);
    expect(build?.estimate.walBytes).toBe(build?.newIndexBytes);
    expect(forecast.totals.newIndexBytes).toBe(build?.newIndexBytes);
  });

  it('--no-calibrate: catalog figures and assumed rates, said so', async () => {
    const { forecast } = await plan(
      { op: 'add-column', table: 'tickets', column: 'priority', type: 'text', backfill: priorityExpression },
      '--no-calibrate',
    );
    expect(forecast.backfill[0]).toMatchObject({ calibrated: false });
    expect(forecast.backfill[0]?.estimate.method).toMatch(/^not calibrated \(calibration off\)/);
  });

  describe('under writers', () => {
    const writers = () => startWriters(db.url, { writers: 3 });
    let running: ReturnType<typeof writers> | undefined;
    afterAll(async () => {
      await running?.stop();
    });

    it('the calibration blocks no writer and fails none', async () => {
      running = writers();
      await running.waitForOperations(20);
      const { forecast } = await plan({
        op: 'add-column',
        table: 'tickets',
        column: 'priority',
        type: 'text',
        backfill: priorityExpression,
      });
      await running.waitForOperations(20);
      const report = await running.stop();
      running = undefined;
      expect(report.errors).toEqual([]);
      expect(forecast.backfill[0]?.estimate.seconds).toBeGreaterThan(0);
    });
  });
});
