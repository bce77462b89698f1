// `online stop` from another process: a running backfill ends at its next batch boundary with its state
// recorded and exits 3 naming who stopped it; `rollback` then works without finding the process, and
// start → complete afterwards leaves every row right, all under application writes. A `migrate` whose
// current spec is stopped exits 3 too, and a re-run finishes. A run is held by its throttle query (a
// gate the test closes) while the slow-starting `stop` CLI reaches it, so nothing depends on timing.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addColumnArgs } from '../support/add-column-args.js';
import { expectCalmTraffic, startWriters } from '../support/concurrent-writers.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';
import { killWatchedRuns, watchCli, type Event } from '../support/watched-cli.js';

const batches = (events: readonly Event[]): Event[] => events.filter((e) => e.type === 'batch');
const throttled = (events: readonly Event[]): boolean => events.some((e) => e.type === 'activity' && e.state === 'throttled');
/** Small batches with a pause between them: the backfill is still under way when `stop` arrives. */
const slow = ['--batch-size', '500', '--max-batch-size', '500', '--pause-ms', '20', '--probe-interval', '300ms'];

describe('online stop', severalCliRuns, () => {
  const db = useTestDatabase('stop');
  afterEach(() => {
    killWatchedRuns();
  });

  /** A gate for a run: closed, its throttle query holds it at a batch boundary. */
  async function gate(name: string): Promise<{ readonly args: string[]; close(): Promise<void> }> {
    await db.sql`create table ${db.sql(name)} (hold boolean not null)`;
    await db.sql`insert into ${db.sql(name)} values (false)`;
    return {
      args: ['--throttle-query', `select hold from ${name}`],
      close: async () => void (await db.sql`update ${db.sql(name)} set hold = true`),
    };
  }

  async function recorded(name: string): Promise<{ status: string; phase: string } | undefined> {
    const [row] = await db.sql<
      { status: string; phase: string }[]
    >`select status, phase from online_migrate.migrations where name = ${name}`;
    return row;
  }

  async function wrongRows(table: string): Promise<number> {
    const [row] = await db.sql<{ n: number }[]>`
      select count(*) filter (where priority is distinct from (${db.sql.unsafe(priorityExpression)}))::int as n from ${db.sql(table)}`;
    return row?.n ?? -1;
  }

  it('stops a backfill from another process under writes; rollback, then start and complete, leave every row right', async () => {
    const table = 'tickets_stop';
    const name = `add-column-${table}-priority`;
    await createTickets(db.sql, 30_000, table);
    const writers = startWriters(db.url, { table });
    const held = await gate('stop_gate');
    const args = addColumnArgs({ table, column: 'priority', type: 'text', backfill: priorityExpression, notNull: true });
    const run = watchCli([...args, ...slow, ...held.args, '--json'], db.url);
    await run.until((events) => batches(events).length >= 3);
    await held.close();
    await run.until(throttled);

    const stop = await runCli(['stop', '--wait', '--json'], db.url);
    expect(stop.stderr).toBe('');
    expect(stop.code).toBe(0);
    expect(JSON.parse(stop.stdout.trim())).toMatchObject({
      migration: name,
      requested: true,
      workerStopped: true,
      status: 'stopped',
      phase: 'backfill',
      requestedBy: { pid: expect.any(Number) as number, host: expect.any(String) as string },
    });
    const { code } = await run.exited;
    expect(code).toBe(3);
    const error = (run.events().at(-1) as { error?: { code: string; message: string } }).error;
    expect(error?.code).toBe('STOPPED');
    expect(error?.message).toMatch(
      new RegExp(`^migration "${name}" stopped by \`online stop\` from .+ \\(pid \\d+\\) at .+, in its backfill phase; `),
    );
    expect(error?.message).toContain(`run \`online resume ${name}\` to continue, or \`online rollback ${name}\` to undo it`);
    expect(await recorded(name)).toEqual({ status: 'stopped', phase: 'backfill' });
    const [event] = await db.sql<{ kind: string }[]>`
      select kind from online_migrate.events where migration = ${name} and kind in ('stop-requested', 'stopped') order by id`;
    expect(event?.kind).toBe('stop-requested');

    // Stopping it again changes nothing and succeeds, named or not (the no-name form finds the migration
    // the last stop request named, recorded stopped), so a script may run `online stop --wait` twice.
    const again = await runCli(['stop', name], db.url);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${name} is already stopped; run \`online resume ${name}\` to continue`);
    const unnamed = await runCli(['stop', '--wait'], db.url);
    expect(unnamed.stderr).toBe('');
    expect(unnamed.code).toBe(0);
    expect(unnamed.stdout).toContain(`${name} is already stopped; run \`online resume ${name}\` to continue`);

    const rollback = await runCli(['rollback', name], db.url);
    expect(rollback.stderr).toBe('');
    expect(rollback.code).toBe(0);
    const [column] = await db.sql`select 1 from information_schema.columns where table_name = ${table} and column_name = 'priority'`;
    expect(column).toBeUndefined();
    const finished = await runCli(['stop', name], db.url);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toBe(`error: migration "${name}" is already rolled back; there is no worker to stop\n`);
    const none = await runCli(['stop'], db.url);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('error: no migration is running, so there is no worker to stop\n');

    const start = await runCli(args, db.url);
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    expect(await recorded(name)).toEqual({ status: 'awaiting_contract', phase: 'contract' });
    // The application that does not know the new column writes until contract, never failing.
    await expectCalmTraffic('stop, rollback, start', writers);
    const complete = await runCli(['complete', name], db.url);
    expect(complete.stderr).toBe('');
    expect(complete.code).toBe(0);
    expect(await recorded(name)).toEqual({ status: 'completed', phase: 'done' });
    expect(await wrongRows(table)).toBe(0);
  });

  it('a stop while a step waits to retry its lock ends the run stopped (exit 3), not failed, and rollback then works', async () => {
    const table = 'tickets_stop_lock';
    const name = `add-column-${table}-flag`;
    await createTickets(db.sql, 1_000, table);
    // A transaction holding a lock the ALTER conflicts with, until the test lets it go.
    const holder = await db.sql.reserve();
    try {
      await holder`begin`;
      await holder`lock table ${holder(table)} in access share mode`;
      const run = watchCli(
        [
          'start',
          'add-column',
          '--table',
          table,
          '--column',
          'flag',
          '--type',
          'boolean',
          '--lock-timeout',
          '100ms',
          '--lock-retries',
          '10000',
          '--json',
        ],
        db.url,
      );
      await run.until((events) => events.some((e) => e.type === 'lock-retry'));
      const stop = await runCli(['stop', name, '--wait'], db.url);
      expect(stop.stderr).toBe('');
      expect(stop.code).toBe(0);
      const { code } = await run.exited;
      expect(code).toBe(3);
      expect(run.events().at(-1)).toMatchObject({ error: { code: 'STOPPED', exitCode: 3 } });
      expect(await recorded(name)).toEqual({ status: 'stopped', phase: 'expand' });
    } finally {
      await holder`rollback`;
      holder.release();
    }
    const rollback = await runCli(['rollback', name], db.url);
    expect(rollback.stderr).toBe('');
    expect(rollback.code).toBe(0);
    const [column] = await db.sql`select from information_schema.columns where table_name = ${table} and column_name = 'flag'`;
    expect(column).toBeUndefined();
  });

  it('a migrate whose current spec is stopped exits 3, and a re-run finishes it', async () => {
    const table = 'tickets_migrate_stop';
    await createTickets(db.sql, 20_000, table);
    const dir = await mkdtemp(join(tmpdir(), 'online-stop-'));
    try {
      const spec = [
        'operations:',
        '  - op: add-column',
        `    table: ${table}`,
        '    column: priority',
        '    type: text',
        `    backfill: "${priorityExpression.replaceAll('"', '\\"').replaceAll('\n', ' ')}"`,
      ].join('\n');
      await writeFile(join(dir, '0001-priority.yaml'), `${spec}\n`);
      const held = await gate('migrate_gate');
      const run = watchCli(['migrate', dir, ...slow, ...held.args, '--json'], db.url);
      await run.until((events) => batches(events).length >= 3);
      await held.close();
      await run.until(throttled);

      const stop = await runCli(['stop', '0001-priority'], db.url);
      expect(stop.stderr).toBe('');
      expect(stop.code).toBe(0);
      expect(stop.stdout).toBe('stop requested for 0001-priority; its worker ends at its next batch or step boundary and exits 3\n');
      const { code } = await run.exited;
      expect(code).toBe(3);
      expect(run.events().at(-1)).toMatchObject({ error: { code: 'STOPPED', exitCode: 3 } });
      expect(await recorded('0001-priority')).toEqual({ status: 'stopped', phase: 'backfill' });

      await db.sql`update migrate_gate set hold = false`;
      const again = await runCli(['migrate', dir], db.url);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(await recorded('0001-priority')).toEqual({ status: 'completed', phase: 'done' });
      expect(await wrongRows(table)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
