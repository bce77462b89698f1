// The status remap as a data migration, killed with SIGKILL mid-run and resumed, under an application
// that already writes the new statuses. A non-idempotent second assignment (remap_count + 1) proves
// that every row was mapped exactly once across the kill. Then the example spec on examples/tickets.sql.
import type postgres from 'postgres';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completeMigration, loadSpecFile, migrationStatus, planMigration, startMigration, type MigrationReport } from '../../src/index.js';
import { startWriterLoops } from '../support/concurrent-writers.js';
import { jsonLines, runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, examplePath, loadExampleTickets, ticketStatuses } from '../support/tickets-fixture.js';
import { killWatchedRuns, watchCli, type Event } from '../support/watched-cli.js';

const newStatuses = ['OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED'] as const;
const remap = `CASE status ${ticketStatuses.map((s, i) => `WHEN '${s}' THEN '${newStatuses[i]}'`).join(' ')} END`;
const oldStatus = `status IN (${ticketStatuses.map((s) => `'${s}'`).join(', ')})`;
const seeded = 30_000;

interface AppTraffic {
  readonly operations: number;
  readonly errors: readonly string[];
  /** Tickets whose status the application changed (always from one new status to another). */
  readonly restatused: ReadonlySet<number>;
}

/**
 * The deployed application: inserts tickets with new statuses, moves tickets that already show a new
 * status on to another one, and toggles `escalated` on any ticket (so its row locks meet the batches).
 * It never writes an old status and never touches remap_count.
 */
function startApplication(url: string, table: string): { stop(): Promise<AppTraffic> } {
  const restatused = new Set<number>();
  const randomId = (sql: postgres.Sql): postgres.PendingQuery<postgres.Row[]> =>
    sql`(select floor(random() * (select max(id) from ${sql(table)}))::bigint + 1)`;
  const writers = startWriterLoops(url, 2, async (sql, n, i) => {
    const status = newStatuses[(i + n) % newStatuses.length] ?? 'OPEN';
    if (i % 3 === 0) {
      await sql`insert into ${sql(table)} (title, status, escalated) values (${`app ${n} ticket ${i}`}, ${status}, ${i % 2 === 0})`;
    } else if (i % 3 === 1) {
      const rows = await sql<{ id: string }[]>`
        update ${sql(table)} set status = ${status}, updated_at = now()
        where id = ${randomId(sql)} and status = any(${newStatuses as unknown as string[]}) returning id`;
      for (const row of rows) restatused.add(Number(row.id));
    } else {
      await sql`update ${sql(table)} set escalated = not escalated, updated_at = now() where id = ${randomId(sql)}`;
    }
  });
  return {
    async stop() {
      const { operations, errors } = await writers.stop();
      return { operations, errors, restatused };
    },
  };
}

/** Seeded ticket g holds ticketStatuses[g % 5] (tickets-fixture and examples/tickets.sql alike). */
async function wrongSeededRows(sql: postgres.Sql, table: string, rows: number, restatused: ReadonlySet<number>): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from ${sql(table)}
    where id <= ${rows} and not (id = any(${[...restatused]}::bigint[]))
      and status is distinct from (${newStatuses as unknown as string[]}::text[])[1 + id % 5]`;
  return row?.n ?? -1;
}

const batches = (events: Event[]): Event[] => events.filter((e) => e.type === 'batch');

describe('status remap: kill -9 mid-run, then resume', severalCliRuns, () => {
  const db = useTestDatabase('status_remap_kill');
  afterEach(() => {
    killWatchedRuns();
  });

  it.each([
    ['one range', 'tickets_serial', 1],
    ['--concurrency 2', 'tickets_parallel', 2],
  ])('%s: every row mapped exactly once, counted once', async (_label, table, concurrency) => {
    await createTickets(db.sql, seeded, table);
    await db.sql.unsafe(`alter table "${table}" add column remap_count integer not null default 0`);
    const name = `remap-${table}`;
    const verify = `select id, status from ${table} where status not in (${newStatuses.map((s) => `'${s}'`).join(', ')})`;
    const app = startApplication(db.url, table);
    let traffic: AppTraffic | undefined;
    let rangesAtKill = 0;
    let splitsOnResume = 0;
    try {
      const run = watchCli(
        [
          'start',
          'backfill',
          '--table',
          table,
          '--migration-name',
          name,
          '--set',
          `status=${remap}`,
          '--set',
          'remap_count=remap_count + 1',
          '--where',
          oldStatus,
          '--verify',
          verify,
          '--concurrency',
          String(concurrency),
          '--batch-size',
          '500',
          '--min-batch-size',
          '500',
          '--max-batch-size',
          '500',
          '--pause-ms',
          '20',
          '--json',
        ],
        db.url,
      );
      // Kill once every range has committed (and reported) a few batches.
      await run.until((events) => {
        const perRange = new Map<number, number>();
        for (const e of batches(events)) perRange.set(Number(e.range), (perRange.get(Number(e.range)) ?? 0) + 1);
        return perRange.size === concurrency && [...perRange.values()].every((n) => n >= 4);
      });
      run.child.kill('SIGKILL');
      await run.exited;
      expect(run.child.signalCode).toBe('SIGKILL');

      const [report] = await migrationStatus({ databaseUrl: db.url, migration: name });
      expect(report).toMatchObject({ state: 'interrupted', phase: 'backfill' });
      const doneAtKill = (report as MigrationReport).backfill.reduce((n, r) => n + r.rowsDone, 0);
      expect(doneAtKill).toBeGreaterThanOrEqual(4 * 500 * concurrency);
      expect(doneAtKill).toBeLessThan(seeded);
      // What the killed run committed is exactly what the cursors say it did.
      const [mapped] = await db.sql<{ n: number }[]>`select coalesce(sum(remap_count), 0)::int as n from ${db.sql(table)}`;
      expect(mapped?.n).toBe(doneAtKill);

      rangesAtKill = (report as MigrationReport).backfill.length;
      const resumed = await runCli(['resume', name, '--batch-size', '2000', '--max-batch-size', '2000', '--json'], db.url);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      splitsOnResume = jsonLines(resumed.stdout).filter((e) => e.type === 'range-split').length;
      const completed = await runCli(['complete', name], db.url);
      expect(completed.stderr).toBe('');
      expect(completed.code).toBe(0);
    } finally {
      traffic = await app.stop();
    }
    console.log(
      `remap kill (${concurrency} range(s)): ${traffic.operations} application writes, ${traffic.restatused.size} tickets moved between new statuses`,
    );
    expect(traffic.errors).toEqual([]);
    expect(traffic.operations).toBeGreaterThan(50);
    expect(traffic.restatused.size).toBeGreaterThan(0);

    const [counts] = await db.sql<
      { seededOnce: number; seededOther: number; appRows: number; appMapped: number; total: number; old: number }[]
    >`
      select count(*) filter (where id <= ${seeded} and remap_count = 1)::int as "seededOnce",
             count(*) filter (where id <= ${seeded} and remap_count <> 1)::int as "seededOther",
             count(*) filter (where id > ${seeded})::int as "appRows",
             count(*) filter (where id > ${seeded} and remap_count <> 0)::int as "appMapped",
             coalesce(sum(remap_count), 0)::int as total,
             count(*) filter (where ${db.sql.unsafe(oldStatus)})::int as old
      from ${db.sql(table)}`;
    expect(counts).toMatchObject({ seededOnce: seeded, seededOther: 0, appMapped: 0, total: seeded, old: 0 });
    expect(counts?.appRows).toBeGreaterThan(0);
    expect(await wrongSeededRows(db.sql, table, seeded, traffic.restatused)).toBe(0);
    const [cursors] = await db.sql<{ rowsDone: number; ranges: number; done: boolean }[]>`
      select sum(rows_done)::int as "rowsDone", count(*)::int as ranges, bool_and(done) as done
      from online_migrate.backfill_cursors where migration = ${name}`;
    // The ranges recorded at the kill, and one more for each split an idle worker made on resume (work stealing).
    expect(rangesAtKill).toBeGreaterThanOrEqual(concurrency);
    expect(cursors).toEqual({ rowsDone: seeded, ranges: rangesAtKill + splitsOnResume, done: true });
  });
});

describe('examples/backfill-status-remap.yaml on examples/tickets.sql', severalCliRuns, () => {
  const db = useTestDatabase('status_remap_example');
  beforeAll(async () => {
    await loadExampleTickets(db.sql);
  });

  it('maps every seeded ticket under the application, and verify passes', async () => {
    const [{ rows } = { rows: 0 }] = await db.sql<{ rows: number }[]>`select count(*)::int as rows from tickets`;
    expect(rows).toBe(100_000);
    const spec = await loadSpecFile(examplePath('backfill-status-remap.yaml'));
    expect(spec.name).toBe('backfill-status-remap');
    const plan = await planMigration({ databaseUrl: db.url, spec });
    expect(plan.backfill[0]?.needsWork).toMatch(
      /^\(status IN \('open', 'in_progress', 'pending', 'resolved', 'closed'\)\) and case when .* then "status" is distinct from \(CASE status .* END\)::text else false end$/,
    );
    expect(plan.contract.map((s) => s.description)).toEqual(['verify: the verify query returns no rows']);

    // The deploy that comes first: the new application, and the column's default with it.
    await db.sql`alter table tickets alter column status set default 'OPEN'`;
    const app = startApplication(db.url, 'tickets');
    let traffic: AppTraffic | undefined;
    try {
      expect(await startMigration({ databaseUrl: db.url, spec, options: { batchSize: 2000 } })).toMatchObject({
        status: 'awaiting_contract',
      });
      expect(await completeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
    } finally {
      traffic = await app.stop();
    }
    expect(traffic.errors).toEqual([]);
    expect(traffic.operations).toBeGreaterThan(20);

    const [left] = await db.sql<
      { old: number }[]
    >`select count(*) filter (where status <> all(${newStatuses as unknown as string[]}))::int as old from tickets`;
    expect(left?.old).toBe(0);
    expect(await wrongSeededRows(db.sql, 'tickets', 100_000, traffic.restatused)).toBe(0);
    // Every seeded ticket was rewritten once by the batches; the application's writes never needed work.
    const [cursor] = await db.sql<{ rowsDone: number }[]>`select sum(rows_done)::int as "rowsDone" from online_migrate.backfill_cursors`;
    expect(cursor?.rowsDone).toBe(100_000);
  });
});
