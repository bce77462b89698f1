// A backfill that finished, then rows that need work again because some writer skipped the fill
// triggers (session_replication_role = replica: logical-replication apply, restores, CDC tools).
// `complete` refuses (exit 2, nothing changed) and names `resume`; `resume` sweeps the table again,
// as a normal resumable run, and ends awaiting contract; then `complete` succeeds.
import { afterEach, describe, expect, it } from 'vitest';
import { addColumnArgs } from '../support/add-column-args.js';
import { expectCalmTraffic, startWriterLoops } from '../support/concurrent-writers.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { jsonLines, runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';
import { eventually, killWatchedRuns, watchCli, type Event } from '../support/watched-cli.js';

/** Writes as a replica session does: no trigger of ours fires. `inserted` new rows, and the column set back to NULL on ids 1…`nulled`. */
async function writeSkippingTriggers(db: TestDatabase, table: string, inserted: number, nulled: number): Promise<void> {
  await db.sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`insert into ${tx(table)} (title, escalated) select 'replayed ' || g, g % 3 = 0 from generate_series(1, ${inserted}) g`;
    await tx`update ${tx(table)} set priority = null where id <= ${nulled}`;
  });
}

async function rowsWrong(db: TestDatabase, table: string): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from ${db.sql(table)} where priority is distinct from (${db.sql.unsafe(priorityExpression)})`;
  return row?.n ?? -1;
}

/** 1,000 tickets and an add-column of `priority` started on them: its backfill finished, awaiting contract. */
async function finishedBackfill(db: TestDatabase, table: string, migration: string): Promise<void> {
  await createTickets(db.sql, 1000, table);
  const started = await runCli(
    addColumnArgs({ table, column: 'priority', type: 'text', backfill: priorityExpression, migrationName: migration }),
    db.url,
  );
  expect(started.code).toBe(0);
}

async function statusOf(db: TestDatabase, migration: string): Promise<{ status: string; phase: string } | undefined> {
  const [row] = await db.sql<{ status: string; phase: string }[]>`
    select status, phase from online_migrate.migrations where name = ${migration}`;
  return row;
}

async function rowsCounted(db: TestDatabase, migration: string): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`
    select coalesce(sum(rows_done), 0)::int as n from online_migrate.backfill_cursors where migration = ${migration}`;
  return row?.n ?? -1;
}

describe('resume sweeps again a finished backfill whose table has rows needing work', severalCliRuns, () => {
  const db = useTestDatabase('resume_sweeps');
  afterEach(() => killWatchedRuns());

  it('breaks the loop: complete exit 2 naming resume, resume exit 0 filling the rows, complete exit 0', async () => {
    const table = 'tickets_replayed';
    const migration = `add-column-${table}-priority`;
    await createTickets(db.sql, 1000, table);
    const started = await runCli(addColumnArgs({ table, column: 'priority', type: 'text', backfill: priorityExpression }), db.url);
    expect(started.code).toBe(0);
    expect(await statusOf(db, migration)).toEqual({ status: 'awaiting_contract', phase: 'contract' });

    // Nothing needs work: resume keeps its refusal.
    const idle = await runCli(['resume', migration], db.url);
    expect(idle.code).toBe(2);
    expect(idle.stderr).toContain(`migration "${migration}" has finished its backfill; run \`online complete ${migration}\``);

    await writeSkippingTriggers(db, table, 300, 5);
    expect(await rowsWrong(db, table)).toBe(305);
    const before = await catalogSnapshot(db.sql, table);

    const refused = await runCli(['complete', migration], db.url);
    expect(refused.code).toBe(2);
    // Five of the 305 rows, in whatever order the table gives them.
    expect(refused.stderr).toMatch(
      new RegExp(`public\\.${table} still has rows that need backfill, e\\.g\\. keys \\(\\d+\\)(, \\(\\d+\\)){4}, although`),
    );
    expect(refused.stderr).toContain('session_replication_role = replica');
    expect(refused.stderr).toContain(`Run \`online resume ${migration}\`: it sweeps public.${table} again`);
    expect(await catalogSnapshot(db.sql, table)).toEqual(before);
    expect(await statusOf(db, migration)).toEqual({ status: 'awaiting_contract', phase: 'contract' });

    const swept = await runCli(['resume', migration], db.url);
    expect(swept.stderr).toBe('');
    expect(swept.code).toBe(0);
    expect(swept.stdout).toMatch(
      new RegExp(
        `warning: public\\.${table} has rows that need backfill again although its backfill finished \\(public\\.${table}\\.priority\\), e\\.g\\. keys \\(\\d+\\)(, \\(\\d+\\)){4}:`,
      ),
    );
    expect(swept.stdout).toContain('session_replication_role = replica');
    expect(swept.stdout).toContain(`sweeping public.${table} again`);
    expect(swept.stdout).toContain('stop it first, or make our fill triggers fire for it too (ALTER TABLE … ENABLE ALWAYS TRIGGER)');
    expect(swept.stdout).toContain(`✓ ${migration} is awaiting contract`);
    expect(await rowsWrong(db, table)).toBe(0);
    expect(await statusOf(db, migration)).toEqual({ status: 'awaiting_contract', phase: 'contract' });
    // The sweep's fresh cursors counted exactly the rows it filled.
    expect(await rowsCounted(db, migration)).toBe(305);

    const completed = await runCli(['complete', migration], db.url);
    expect(completed.stderr).toBe('');
    expect(completed.code).toBe(0);
    expect(await statusOf(db, migration)).toEqual({ status: 'completed', phase: 'done' });
    expect(await rowsWrong(db, table)).toBe(0);
  });

  it('change-type of a NOT NULL column: rows a replica session changed are converted again, then the column is bigint NOT NULL', async () => {
    await db.sql`create table readings (id integer primary key, value integer not null)`;
    await db.sql`insert into readings select g, g * 3 from generate_series(1, 2000) g`;
    const migration = 'readings-to-bigint';
    const started = await runCli(
      ['start', 'change-type', '--table', 'readings', '--column', 'value', '--type', 'bigint', '--migration-name', migration],
      db.url,
    );
    expect(started.code).toBe(0);
    // The shadow's NOT NULL check (not valid) stands meanwhile: the stale rows are not null, only out of date.
    await db.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`update readings set value = -value where id % 100 = 0`;
    });

    const refused = await runCli(['complete', migration], db.url);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`Run \`online resume ${migration}\`: it sweeps public.readings again`);
    const swept = await runCli(['resume', migration], db.url);
    expect(swept.stderr).toBe('');
    expect(swept.code).toBe(0);
    expect(swept.stdout).toContain('warning: public.readings has rows that need backfill again');
    expect(swept.stdout).toContain(`✓ ${migration} is awaiting contract`);

    const completed = await runCli(['complete', migration], db.url);
    expect(completed.stderr).toBe('');
    expect(completed.code).toBe(0);
    const [column] = await db.sql<{ type: string; notNull: boolean }[]>`
      select format_type(atttypid, atttypmod) as type, attnotnull as "notNull" from pg_attribute
      where attrelid = 'readings'::regclass and attname = 'value'`;
    expect(column).toEqual({ type: 'bigint', notNull: true });
    const [wrong] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from readings where value is distinct from (case when id % 100 = 0 then -3 else 3 end) * id`;
    expect(wrong?.n).toBe(0);
  });

  it('a sweep killed with -9 continues on the next resume, every row counted once; --json stays NDJSON', async () => {
    const table = 'tickets_killed_sweep';
    const migration = 'sweep-killed';
    await finishedBackfill(db, table, migration);
    await writeSkippingTriggers(db, table, 20_000, 0);

    // Small paced batches, so that the kill lands mid-sweep.
    const pace = ['--batch-size', '200', '--min-batch-size', '200', '--max-batch-size', '200', '--pause-ms', '50'];
    const run = watchCli(['resume', migration, ...pace, '--json'], db.url);
    const batches = (events: readonly Event[]): number => events.filter((e) => e.type === 'batch').length;
    await run.until((events) => batches(events) >= 3);
    run.child.kill('SIGKILL');
    await run.exited;
    const warning = run.events().find((e) => e.type === 'warning');
    expect(warning?.message).toContain(`public.${table} has rows that need backfill again`);
    expect(await statusOf(db, migration)).toEqual({ status: 'running', phase: 'backfill' });
    expect(await rowsWrong(db, table)).toBeGreaterThan(0);

    // Mid-sweep the migration is in its backfill again: complete says so, and resume goes on.
    const early = await runCli(['complete', migration], db.url);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('it is still in its backfill phase');

    const resumed = await runCli(['resume', migration, '--json'], db.url);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const lines = jsonLines(resumed.stdout);
    expect(lines.some((e) => e.type === 'backfill-start' && e.resumed === true)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ migration, status: 'awaiting_contract' });
    expect(await rowsWrong(db, table)).toBe(0);
    expect(await rowsCounted(db, migration)).toBe(20_000);

    const completed = await runCli(['complete', migration], db.url);
    expect(completed.code).toBe(0);
    expect(await rowsWrong(db, table)).toBe(0);
  });
  it('never runs the update of a backfill operation on a row twice: complete and resume both refuse, exit 2, the rows untouched', async () => {
    await db.sql`create table prices (id integer primary key, currency text not null, price numeric not null)`;
    await db.sql`insert into prices select g, case when g % 2 = 0 then 'USD' else 'EUR' end, 100 from generate_series(1, 2000) g`;
    const migration = 'reprice';
    // A `where` that still matches the rows once `set` has run: a spec mistake online cannot tell from new rows.
    const started = await runCli(
      [
        'start',
        'backfill',
        '--table',
        'prices',
        '--set',
        'price=price * 1.1',
        '--where',
        "currency = 'USD'",
        '--migration-name',
        migration,
      ],
      db.url,
    );
    expect(started.code).toBe(0);
    const prices = async () =>
      db.sql<{ price: string; n: number }[]>`select price::text, count(*)::int as n from prices group by 1 order by 1`;
    const after = await prices();
    expect(after).toEqual([
      { price: '100', n: 1000 },
      { price: '110.0', n: 1000 },
    ]);

    for (const command of ['complete', 'resume', 'resume']) {
      const refused = await runCli([command, migration], db.url);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`refusing to ${command} "${migration}": public.prices still has rows that its backfill`);
      expect(refused.stderr).toContain('it never runs the update on a row twice: fix those rows or the spec');
      expect(refused.stderr).not.toContain('online resume');
      expect(await prices()).toEqual(after);
      expect(await statusOf(db, migration)).toEqual({ status: 'awaiting_contract', phase: 'contract' });
    }
  });

  it('start --complete that failed its proof in contract: resume sweeps, then the run goes on through contract', async () => {
    const table = 'tickets_failed_proof';
    const migration = 'failed-proof';
    await createTickets(db.sql, 3000, table);
    const pace = ['--batch-size', '500', '--min-batch-size', '500', '--max-batch-size', '500', '--pause-ms', '100'];
    const run = watchCli(
      [
        ...addColumnArgs({ table, column: 'priority', type: 'text', backfill: priorityExpression, migrationName: migration }),
        '--complete',
        ...pace,
        '--json',
      ],
      db.url,
    );
    // Once the first batch committed, a replica session sets rows behind the cursor back to NULL.
    await run.until((events) => events.some((e) => e.type === 'batch'));
    await writeSkippingTriggers(db, table, 0, 10);
    expect((await run.exited).code).toBe(1);
    expect(await statusOf(db, migration)).toEqual({ status: 'failed', phase: 'contract' });
    expect(await rowsWrong(db, table)).toBe(10);

    const swept = await runCli(['resume', migration], db.url);
    expect(swept.stderr).toBe('');
    expect(swept.code).toBe(0);
    expect(swept.stdout).toContain(`warning: public.${table} has rows that need backfill again`);
    expect(await rowsWrong(db, table)).toBe(0);
    // The run keeps its stored --complete: after the sweep it proves the backfill again and contracts.
    expect(await statusOf(db, migration)).toEqual({ status: 'completed', phase: 'done' });
  });

  it('a connection lost while resume checks the table: the run reconnects, decides again and sweeps', async () => {
    const table = 'tickets_check_lost';
    const migration = 'check-lost';
    await finishedBackfill(db, table, migration);
    await writeSkippingTriggers(db, table, 0, 10);

    // The check waits behind a lock, so its backend can be terminated mid-check.
    const locker = await db.sql.reserve();
    try {
      await locker`begin`;
      await locker`lock table ${locker(table)} in access exclusive mode`;
      const run = watchCli(['resume', migration, '--json'], db.url);
      const waiting = async () =>
        db.sql<{ pid: number }[]>`
          select pid from pg_stat_activity
          where wait_event_type = 'Lock' and query like ${`%${table}%limit 5%`} and pid <> pg_backend_pid()`;
      const [check] = await eventually(waiting, (rows) => rows.length > 0);
      await db.sql`select pg_terminate_backend(${check?.pid ?? 0})`;
      await run.until((events) => events.some((e) => e.type === 'reconnected'));
      await locker`commit`;
      expect((await run.exited).code).toBe(0);
      expect(
        run.events().some((e) => e.type === 'warning' && String(e.message).includes(`public.${table} has rows that need backfill again`)),
      ).toBe(true);
    } finally {
      locker.release();
    }
    expect(await rowsWrong(db, table)).toBe(0);
    expect(await statusOf(db, migration)).toEqual({ status: 'awaiting_contract', phase: 'contract' });
  });
  it('a sweep under writers touching two tables in both orders: no writer error, every row right', async () => {
    const table = 'tickets_swept_busy';
    const migration = 'swept-busy';
    await finishedBackfill(db, table, migration);
    await db.sql`create table sweep_audit (id integer primary key, n bigint not null default 0)`;
    await db.sql`insert into sweep_audit select g, 0 from generate_series(1, 50) g`;
    await writeSkippingTriggers(db, table, 5000, 20);

    // Each transaction updates a ticket and an audit row, in one order or the other; some insert tickets.
    const writers = startWriterLoops(db.url, 3, async (sql, n, i) => {
      const ticket = 1 + ((n * 7919 + i * 104_729) % 5000);
      const audit = 1 + ((n + i) % 50);
      await sql.begin(async (tx) => {
        const touchTicket = () => tx`update ${tx(table)} set escalated = not escalated where id = ${ticket}`;
        const touchAudit = () => tx`update sweep_audit set n = n + 1 where id = ${audit}`;
        if (i % 2 === 0) {
          await touchTicket();
          await touchAudit();
        } else {
          await touchAudit();
          await touchTicket();
        }
        if (i % 5 === 0) await tx`insert into ${tx(table)} (title, escalated) values (${`busy ${n}.${i}`}, ${i % 3 === 0})`;
      });
    });
    const pace = ['--batch-size', '500', '--min-batch-size', '500', '--max-batch-size', '500'];
    const swept = await runCli(['resume', migration, ...pace], db.url);
    expect(swept.stderr).toBe('');
    expect(swept.code).toBe(0);
    expect(swept.stdout).toContain(`sweeping public.${table} again`);
    await expectCalmTraffic('sweep under two-table writers', writers);
    expect(await rowsWrong(db, table)).toBe(0);
    const completed = await runCli(['complete', migration], db.url);
    expect(completed.code).toBe(0);
    expect(await rowsWrong(db, table)).toBe(0);
  });
});
