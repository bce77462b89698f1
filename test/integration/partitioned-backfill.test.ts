// Column changes on a table partitioned by month (12 months, one sub-partitioned, and a default
// partition), under an application that inserts across the partitions, moves rows between them by
// changing the partition key, and writes a second table in the same transactions in both orders. The
// backfill runs one task per leaf partition, each with its own cursors, side by side: killed mid-way,
// a partition attached while it was down, then resumed; a partition attached after it finished is
// swept by resume; a keyless partitioned table pages each leaf by ctid.
import { afterEach, describe, expect, it } from 'vitest';
import type postgres from 'postgres';
import { addColumnArgs } from '../support/add-column-args.js';
import type { ConcurrentWriters } from '../support/concurrent-writers.js';
import { createMonthlyTickets, monthlyLeaves, startMonthlyWriters } from '../support/monthly-tickets.js';
import { jsonLines, runCli, severalCliRuns } from '../support/run-cli.js';
import { statusReport } from '../support/status-report.js';
import { useTestDatabase } from '../support/test-database.js';
import { priorityExpression } from '../support/tickets-fixture.js';
import { killWatchedRuns, watchCli, type Event } from '../support/watched-cli.js';

const name = 'add-column-tickets-priority';
const slowBatches = ['--batch-size', '100', '--min-batch-size', '100', '--max-batch-size', '100', '--pause-ms', '20'];

/** Rows whose priority is not what the expression gives (NULL counts as wrong). */
async function wrongPriorities(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from tickets where priority is distinct from (${sql.unsafe(priorityExpression)})`;
  return row?.n ?? -1;
}

/** The leaf partition ids (`schema.name`) of the migration's backfill cursors. */
async function cursorLeaves(sql: postgres.Sql, migration: string): Promise<string[]> {
  const rows = await sql<{ task: string }[]>`
    select distinct task from online_migrate.backfill_cursors where migration = ${migration} order by task`;
  return rows.map((r) => r.task.replace('public.tickets.priority @ ', ''));
}

/** The application attaches December 2025 with `rows` rows of its own, the new column included (NULL). */
async function attachDecember(sql: postgres.Sql, rows: number, status: string): Promise<void> {
  await sql.unsafe(`
    create table tickets_2025_12 (like tickets including defaults);
    insert into tickets_2025_12 (id, title, status, created_at)
      select 100000 + g, 'december ' || g, '${status}', timestamptz '2025-12-01' + g * interval '1 hour' from generate_series(1, ${rows}) g;
    alter table tickets attach partition tickets_2025_12 for values from ('2025-12-01') to ('2026-01-01')`);
}

/** Stops the writers and expects that they wrote and never saw an error. */
async function calm(writers: ConcurrentWriters): Promise<void> {
  await writers.waitForOperations(30);
  const report = await writers.stop();
  expect(report.errors).toEqual([]);
  expect(report.operations).toBeGreaterThan(30);
}

const leafTasks = (events: readonly Event[], type: string): Set<unknown> =>
  new Set(events.filter((e) => e.type === type).map((e) => e.task));

describe('partitioned tables: a backfill per leaf partition', severalCliRuns, () => {
  const db = useTestDatabase('partitioned_backfill');
  afterEach(killWatchedRuns);

  it('killed mid-backfill, a partition attached meanwhile, resumed and completed under writers', async () => {
    await createMonthlyTickets(db.sql, 6_000);
    let writers = startMonthlyWriters(db.url);
    try {
      const args = addColumnArgs({ table: 'tickets', column: 'priority', type: 'text', backfill: priorityExpression });
      const run = watchCli([...args, '--default', "'normal'", '--concurrency', '2', ...slowBatches, '--json'], db.url);
      // Two leaves side by side, each past its first batches: then kill -9.
      await run.until((events) => leafTasks(events, 'batch').size >= 2 && events.filter((e) => e.type === 'batch').length >= 6);
      run.child.kill('SIGKILL');
      await run.exited;

      const killed = await statusReport(db.url, name);
      expect(killed).toMatchObject({ state: 'interrupted', phase: 'backfill' });
      expect(killed.partitioned).toHaveLength(1);
      expect(killed.partitioned[0]).toMatchObject({ task: 'public.tickets.priority', partitions: monthlyLeaves, done: false });
      expect(killed.partitioned[0]?.partitionsStarted).toBeGreaterThanOrEqual(2);
      expect(killed.tasks.every((t) => t.task.startsWith('public.tickets.priority @ public.tickets_'))).toBe(true);

      // While no worker runs, the application attaches December 2025, rows and all (the new column
      // included, NULL): the backfill reads the partitions again when it resumes.
      await attachDecember(db.sql, 300, 'closed');

      const resumed = await runCli(['resume', name, '--json'], db.url);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      const events = jsonLines(resumed.stdout);
      expect(events.at(-1)).toMatchObject({ migration: name, status: 'awaiting_contract' });
      expect(leafTasks(events, 'backfill-done')).toContain('public.tickets.priority @ public.tickets_2025_12');

      await calm(writers);
      expect(await wrongPriorities(db.sql)).toBe(0);
      const leaves = await cursorLeaves(db.sql, name);
      expect(leaves).toHaveLength(monthlyLeaves + 1);
      expect(leaves).toContain('public.tickets_2026_03_a');
      expect(leaves).not.toContain('public.tickets_2026_03');

      const waiting = await statusReport(db.url, name);
      expect(waiting.partitioned[0]).toMatchObject({
        partitions: monthlyLeaves + 1,
        partitionsDone: monthlyLeaves + 1,
        done: true,
        percent: 100,
      });

      // Contract under writers that still insert and move rows (the default takes over from the triggers).
      writers = startMonthlyWriters(db.url, { changeStatus: false });
      const completed = await runCli(['complete', name, '--json'], db.url);
      expect(completed.stderr).toBe('');
      expect(completed.code).toBe(0);
      await calm(writers);
    } finally {
      await writers.stop();
    }
    expect(await wrongPriorities(db.sql)).toBe(0);
    const [triggers] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_trigger where not tgisinternal`;
    expect(triggers?.n).toBe(0);
    const history = await runCli(['history', '--json'], db.url);
    expect(history.stdout).toContain(`"partitions":${monthlyLeaves + 1}`);
  });

  it('start → rollback → start → kill → resume → complete with NOT NULL, writers throughout', async () => {
    await db.sql.unsafe('drop table if exists tickets, ticket_audit cascade; drop schema if exists online_migrate cascade');
    await createMonthlyTickets(db.sql, 4_000);
    const notNull = [
      ...addColumnArgs({ table: 'tickets', column: 'priority', type: 'text', backfill: priorityExpression, notNull: true }),
      '--concurrency',
      '3',
    ];
    const writers = startMonthlyWriters(db.url);
    try {
      const first = await runCli([...notNull, '--json'], db.url);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const rolledBack = await runCli(['rollback', name, '--json'], db.url);
      expect(rolledBack.code).toBe(0);
      const [column] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from pg_attribute where attname = 'priority' and not attisdropped`;
      expect(column?.n).toBe(0);

      const again = watchCli([...notNull, ...slowBatches, '--json'], db.url);
      await again.until((events) => events.filter((e) => e.type === 'batch').length >= 8);
      again.child.kill('SIGKILL');
      await again.exited;
      const resumed = await runCli(['resume', name, '--json'], db.url);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      // NOT NULL comes in contract: the application stops inserting without the column first.
      await calm(writers);
    } finally {
      await writers.stop();
    }
    const completed = await runCli(['complete', name, '--json'], db.url);
    expect(completed.code).toBe(0);
    expect(await wrongPriorities(db.sql)).toBe(0);
    // NOT NULL on the parent and on every leaf; the helper check is gone from all of them.
    const leaves = await db.sql<{ relname: string; notNull: boolean; checks: number }[]>`
      select c.relname, a.attnotnull as "notNull",
             (select count(*)::int from pg_constraint k where k.conrelid = c.oid and k.contype = 'c') as checks
      from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'priority'
      where c.relname like 'tickets%'`;
    expect(leaves.length).toBe(monthlyLeaves + 2);
    expect(leaves.filter((l) => !l.notNull || l.checks > 0)).toEqual([]);
  });

  it('a partition attached after the backfill finished: complete refuses, resume sweeps, complete succeeds', async () => {
    await db.sql.unsafe('drop table if exists tickets, ticket_audit cascade; drop schema if exists online_migrate cascade');
    await createMonthlyTickets(db.sql, 1_000);
    const started = await runCli(
      [...addColumnArgs({ table: 'tickets', column: 'priority', type: 'text', backfill: priorityExpression }), '--json'],
      db.url,
    );
    expect(started.code).toBe(0);
    await attachDecember(db.sql, 50, 'open');

    const refused = await runCli(['complete', name, '--json'], db.url);
    expect(refused.code).toBe(2);
    expect(refused.stdout + refused.stderr).toMatch(/public\.tickets still has rows that need backfill/);
    const swept = await runCli(['resume', name, '--json'], db.url);
    expect(swept.code).toBe(0);
    expect(leafTasks(jsonLines(swept.stdout), 'backfill-done')).toContain('public.tickets.priority @ public.tickets_2025_12');
    const completed = await runCli(['complete', name, '--json'], db.url);
    expect(completed.code).toBe(0);
    expect(await wrongPriorities(db.sql)).toBe(0);
  });

  it('a partitioned table without a primary key: each leaf pages by ctid', async () => {
    await db.sql.unsafe('drop table if exists tickets, ticket_audit cascade; drop schema if exists online_migrate cascade');
    await createMonthlyTickets(db.sql, 2_000, { key: false });
    const writers = startMonthlyWriters(db.url);
    let started: Awaited<ReturnType<typeof runCli>>;
    try {
      started = await runCli(
        [
          ...addColumnArgs({ table: 'tickets', column: 'priority', type: 'text', backfill: priorityExpression }),
          '--concurrency',
          '2',
          '--json',
        ],
        db.url,
      );
      await calm(writers);
    } finally {
      await writers.stop();
    }
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const starts = jsonLines(started.stdout).filter((e) => e.type === 'backfill-start');
    expect(starts).toHaveLength(monthlyLeaves);
    expect(starts.every((e) => e.mode === 'ctid')).toBe(true);
    expect(await wrongPriorities(db.sql)).toBe(0);
  });

  it('a partition dropped after start (routine retention): complete, and a rollback, still work', async () => {
    await db.sql.unsafe('drop table if exists tickets, ticket_audit cascade; drop schema if exists online_migrate cascade');
    await createMonthlyTickets(db.sql, 1_000);
    const notNull = addColumnArgs({ table: 'tickets', column: 'priority', type: 'text', backfill: priorityExpression, notNull: true });
    expect((await runCli([...notNull, '--json'], db.url)).code).toBe(0);
    // Its steps were planned with this partition's lock and validation in them.
    await db.sql.unsafe('drop table tickets_2026_01');
    const completed = await runCli(['complete', name, '--json'], db.url);
    expect(completed.stdout + completed.stderr).not.toMatch(/does not exist/);
    expect(completed.code).toBe(0);
    expect(await wrongPriorities(db.sql)).toBe(0);

    const check = ['start', 'add-check', '--table', 'tickets', '--check', "status <> ''", '--name', 'status_given', '--json'];
    expect((await runCli(check, db.url)).code).toBe(0);
    await db.sql.unsafe('drop table tickets_2026_02');
    const rolledBack = await runCli(['rollback', 'add-check-tickets-status_given', '--json'], db.url);
    expect(rolledBack.code).toBe(0);
    const [left] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_constraint where conname = 'status_given'`;
    expect(left?.n).toBe(0);
  });

  it('change-type and rename-column of a partitioned table under writers, killed mid-backfill and resumed', async () => {
    await db.sql.unsafe('drop table if exists tickets, ticket_audit cascade; drop schema if exists online_migrate cascade');
    await createMonthlyTickets(db.sql, 3_000);
    const retype = 'change-type-tickets-title';
    let writers = startMonthlyWriters(db.url);
    try {
      const run = watchCli(
        ['start', 'change-type', '--table', 'tickets', '--column', 'title', '--type', 'varchar(200)', ...slowBatches, '--json'],
        db.url,
      );
      await run.until((events) => events.filter((e) => e.type === 'batch').length >= 6);
      run.child.kill('SIGKILL');
      await run.exited;
      const resumed = await runCli(['resume', retype, '--json'], db.url);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      const completed = await runCli(['complete', retype, '--json'], db.url);
      expect(completed.code).toBe(0);
      await calm(writers);

      // The application keeps writing `title` until the rename's contract, which drops the old name.
      writers = startMonthlyWriters(db.url);
      const renamed = await runCli(
        ['start', 'rename-column', '--table', 'tickets', '--column', 'status', '--to', 'state', '--json'],
        db.url,
      );
      expect(renamed.code).toBe(0);
      await calm(writers);
    } finally {
      await writers.stop();
    }
    expect((await runCli(['complete', 'rename-column-tickets-status-to-state', '--json'], db.url)).code).toBe(0);
    const columns = await db.sql<{ relname: string; type: string }[]>`
      select c.relname, format_type(a.atttypid, a.atttypmod) as type
      from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'title' where c.relname like 'tickets%'`;
    expect(columns).toHaveLength(monthlyLeaves + 2);
    expect(columns.filter((c) => c.type !== 'character varying(200)')).toEqual([]);
    const [row] = await db.sql<{ untitled: number; stateless: number }[]>`
      select count(*) filter (where title is null or title = '')::int as untitled, count(*) filter (where state is null)::int as stateless from tickets`;
    expect(row).toEqual({ untitled: 0, stateless: 0 });
  });
});
