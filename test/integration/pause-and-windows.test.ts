// Live control of a running backfill through the built CLI: pause and unpause from another process,
// --exit-on-pause, closed windows (waiting, or exiting with --window-exit) and --max-duration. Every
// stopped run is resumed to the end and checked row by row. A run that must still be running when a
// slow CLI command reaches it is first held by its throttle query (a gate the test closes), so no
// test depends on how fast the machine is.
import { afterEach, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/index.js';
import { jsonLines, runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';
import { eventually, killWatchedRuns, sleep, watchCli, type Event } from '../support/watched-cli.js';
import { addColumnArgs } from '../support/add-column-args.js';

const batches = (events: readonly Event[]): Event[] => events.filter((e) => e.type === 'batch');
const activities = (events: readonly Event[]): Event[] => events.filter((e) => e.type === 'activity');

/** `HH:MM` of an instant in UTC. */
const utcClock = (at: Date): string => at.toISOString().slice(11, 16);

/** A one-hour UTC window opening two hours from now (to the minute): closed for the whole test. */
function closedWindow(): { readonly window: string; readonly opensAt: Date } {
  const opensAt = new Date(Math.floor((Date.now() + 2 * 3_600_000) / 60_000) * 60_000);
  return { window: `${utcClock(opensAt)}-${utcClock(new Date(opensAt.getTime() + 3_600_000))}`, opensAt };
}

describe('pausing, windows and --max-duration of a running backfill', severalCliRuns, () => {
  const db = useTestDatabase('pause_windows');
  afterEach(() => {
    killWatchedRuns();
  });

  const migrationOf = (table: string): string => `add-column-${table}-priority`;

  function startArgs(table: string, ...extra: string[]): string[] {
    return [...addColumnArgs({ table, column: 'priority', type: 'text', backfill: priorityExpression, notNull: true }), ...extra, '--json'];
  }

  /** A run slow enough to act on: 500-row batches with 50 ms between them. */
  const slow = ['--batch-size', '500', '--max-batch-size', '500', '--pause-ms', '50', '--probe-interval', '300ms'];

  /** A gate for `table`'s run: open, the run goes on; closed, its throttle query holds it at a batch boundary. */
  async function gate(table: string): Promise<{ readonly args: string[]; close(): Promise<void>; open(): Promise<void> }> {
    const control = `${table}_gate`;
    await db.sql`create table ${db.sql(control)} (hold boolean not null)`;
    await db.sql`insert into ${db.sql(control)} values (false)`;
    const set = async (hold: boolean): Promise<void> => void (await db.sql`update ${db.sql(control)} set hold = ${hold}`);
    return { args: ['--throttle-query', `select hold from ${control}`], close: () => set(true), open: () => set(false) };
  }

  async function status(name: string): Promise<MigrationReport> {
    const result = await runCli(['status', name, '--json'], db.url);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [report] = (JSON.parse(result.stdout.trim()) as { migrations: MigrationReport[] }).migrations;
    if (report === undefined) throw new Error(`no status for ${name}`);
    return report;
  }

  async function rowsDone(name: string): Promise<number> {
    const [row] = await db.sql<{ n: number }[]>`
      select coalesce(sum(rows_done), 0)::int as n from online_migrate.backfill_cursors where migration = ${name}`;
    return row?.n ?? -1;
  }

  async function recordedActivity(name: string): Promise<string | null> {
    const [row] = await db.sql<
      { state: string | null }[]
    >`select activity ->> 'state' as state from online_migrate.migrations where name = ${name}`;
    return row?.state ?? null;
  }

  async function wrongRows(table: string): Promise<number> {
    const [row] = await db.sql<{ n: number }[]>`
      select count(*) filter (where priority is distinct from (${db.sql.unsafe(priorityExpression)}))::int as n from ${db.sql(table)}`;
    return row?.n ?? -1;
  }

  /** The last JSON line of a run: its result, or `{error}`. */
  const lastLine = (stdout: string): Event | undefined => jsonLines(stdout).at(-1);

  it('idles while paused from another process and finishes after unpause with every row correct', async () => {
    const table = 'tickets_pause';
    const name = migrationOf(table);
    const rows = 40_000;
    await createTickets(db.sql, rows, table);
    const held = await gate(table);
    const run = watchCli(startArgs(table, ...slow, ...held.args), db.url);
    await run.until((events) => batches(events).length >= 3);
    // Held mid-run, the worker is still there when the pause command (seconds to start on a busy machine) arrives.
    await held.close();
    await run.until((events) => activities(events).some((e) => e.state === 'throttled'));

    const paused = await runCli(['pause', name, '--json'], db.url);
    expect(paused.code).toBe(0);
    expect(JSON.parse(paused.stdout.trim())).toEqual({ migration: name, paused: true, changed: true, workerRunning: true });
    // The worker reads the flag about every 300 ms (the probe interval) and stops at its next batch boundary.
    await eventually(
      () => recordedActivity(name),
      (state) => state === 'paused',
    );
    // From here only the pause holds it.
    await held.open();

    const report = await status(name);
    expect(report).toMatchObject({ state: 'running', phase: 'backfill', paused: true, activity: { state: 'paused', until: null } });
    expect(report.activity?.reason).toContain('pause');
    // A paused worker moves no rows: no rate and no ETA.
    expect(report.tasks[0]).toMatchObject({ rowsPerSecond: 0, etaSeconds: null });
    const before = await rowsDone(name);
    const batchesBefore = batches(run.events()).length;
    // Kept: "a paused run moves no rows" can only be watched over time; nothing timed is asserted.
    await sleep(2_000);
    expect(await rowsDone(name)).toBe(before);
    expect(batches(run.events())).toHaveLength(batchesBefore);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(rows);
    expect(activities(run.events()).at(-1)).toMatchObject({ state: 'paused' });

    const unpaused = await runCli(['unpause', name, '--json'], db.url);
    expect(unpaused.code).toBe(0);
    expect(JSON.parse(unpaused.stdout.trim())).toMatchObject({ migration: name, paused: false, changed: true, workerRunning: true });
    const { code } = await run.exited;
    expect(run.stderr()).toBe('');
    expect(code).toBe(0);
    const events = run.events();
    expect(events.at(-1)).toMatchObject({ migration: name, status: 'awaiting_contract' });
    // The worker announced the pause, then running again, and batches flowed only after that.
    const pausedAt = events.findIndex((e) => e.type === 'activity' && e.state === 'paused');
    const resumedAt = events.findIndex((e, i) => i > pausedAt && e.type === 'activity' && e.state === 'running');
    expect(pausedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeGreaterThan(pausedAt);
    expect(batches(events.slice(pausedAt, resumedAt))).toEqual([]);
    expect(batches(events.slice(resumedAt)).length).toBeGreaterThan(0);

    expect(await wrongRows(table)).toBe(0);
    expect(await rowsDone(name)).toBe(rows);
    const after = await status(name);
    expect(after).toMatchObject({ state: 'awaiting_contract', paused: false, activity: null });
  });

  it('exits 3 on pause with --exit-on-pause, stays paused, and resumes to the end once unpaused', async () => {
    const table = 'tickets_exit_on_pause';
    const name = migrationOf(table);
    const rows = 30_000;
    await createTickets(db.sql, rows, table);
    const held = await gate(table);
    const run = watchCli(startArgs(table, ...slow, ...held.args, '--exit-on-pause'), db.url);
    await run.until((events) => batches(events).length >= 3);
    await held.close();
    await run.until((events) => activities(events).some((e) => e.state === 'throttled'));
    expect((await runCli(['pause', name], db.url)).code).toBe(0);

    // Held at a batch boundary, it can only end by obeying the pause (or by a failure the checks below name).
    const { code } = await run.exited;
    expect(code).toBe(3);
    const error = run.events().at(-1)?.error as { code: string; exitCode: number; message: string } | undefined;
    expect(error).toMatchObject({ code: 'STOPPED', exitCode: 3 });
    expect(error?.message).toContain('paused');

    const report = await status(name);
    expect(report).toMatchObject({ state: 'stopped', status: 'stopped', phase: 'backfill', paused: true, activity: null, error: null });
    const doneAtStop = await rowsDone(name);
    expect(doneAtStop).toBeGreaterThan(0);
    expect(doneAtStop).toBeLessThan(rows);

    await held.open();
    expect((await runCli(['unpause', name], db.url)).code).toBe(0);
    const resumed = await runCli(['resume', name, '--json'], db.url);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(jsonLines(resumed.stdout).find((e) => e.type === 'backfill-start')).toMatchObject({ resumed: true, rowsDone: doneAtStop });
    expect(lastLine(resumed.stdout)).toMatchObject({ migration: name, status: 'awaiting_contract' });

    expect(await wrongRows(table)).toBe(0);
    expect(await rowsDone(name)).toBe(rows);
    expect(await status(name)).toMatchObject({ state: 'awaiting_contract', paused: false });
  });

  it('makes no progress outside its window, shows when the window opens, and stops on SIGTERM', async () => {
    const table = 'tickets_window_wait';
    const name = migrationOf(table);
    await createTickets(db.sql, 20_000, table);
    const { window, opensAt } = closedWindow();
    const run = watchCli(startArgs(table, ...slow, '--window', window, '--timezone', 'UTC'), db.url);
    await run.until((events) => activities(events).some((e) => e.state === 'waiting-window'));

    const waiting = activities(run.events()).find((e) => e.state === 'waiting-window');
    expect(waiting?.reason).toContain(`${window} UTC`);
    expect(Math.abs(Date.parse(String(waiting?.until)) - opensAt.getTime())).toBeLessThan(1_000);
    const report = await status(name);
    expect(report).toMatchObject({
      state: 'running',
      phase: 'backfill',
      paused: false,
      activity: { state: 'waiting-window', until: waiting?.until },
    });
    expect(report.activity?.reason).toContain('outside the backfill windows');
    expect(await rowsDone(name)).toBe(0);
    // Kept: "no rows outside the window" can only be watched over time; nothing timed is asserted.
    await sleep(2_000);
    expect(await rowsDone(name)).toBe(0);
    expect(batches(run.events())).toEqual([]);
    expect(await recordedActivity(name)).toBe('waiting-window');

    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    expect(code).toBe(3);
    expect(run.events().at(-1)).toMatchObject({ error: { code: 'STOPPED', exitCode: 3 } });
    expect(await status(name)).toMatchObject({ state: 'stopped', phase: 'backfill', activity: null });
    expect(await rowsDone(name)).toBe(0);
  });

  it('exits 3 with --window-exit outside the window, keeping expand, and a resume with an open window finishes', async () => {
    const table = 'tickets_window_exit';
    const name = migrationOf(table);
    const rows = 20_000;
    await createTickets(db.sql, rows, table);
    const { window, opensAt } = closedWindow();
    const started = await runCli(startArgs(table, '--window', window, '--timezone', 'UTC', '--window-exit'), db.url);
    expect(started.code).toBe(3);
    const error = lastLine(started.stdout)?.error as { code: string; exitCode: number; message: string } | undefined;
    expect(error).toMatchObject({ code: 'STOPPED', exitCode: 3 });
    const opens = /the next window opens at (\d{4}-[\dT:.-]+Z)/.exec(error?.message ?? '')?.[1];
    expect(Math.abs(Date.parse(opens ?? '') - opensAt.getTime())).toBeLessThan(1_000);

    expect(await status(name)).toMatchObject({
      state: 'stopped',
      status: 'stopped',
      phase: 'backfill',
      error: null,
      tasks: [{ rowsDone: 0, done: false }],
    });
    const steps = await db.sql<{ description: string }[]>`
      select description from online_migrate.steps where migration = ${name} and phase = 'expand' order by step_index`;
    expect(steps.map((s) => s.description)).toEqual([
      'add column priority text as nullable',
      'install triggers that fill priority for writers unaware of it',
      'add check (priority is not null) not valid',
    ]);
    const [column] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_attribute where attrelid = ${table}::regclass and attname = 'priority' and not attisdropped`;
    expect(column?.n).toBe(1);
    expect(await rowsDone(name)).toBe(0);

    const resumed = await runCli(['resume', name, '--window', '00:00-24:00', '--json'], db.url);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(lastLine(resumed.stdout)).toMatchObject({ migration: name, status: 'awaiting_contract' });
    const overrides = await db.sql<{ changed: string[] }[]>`
      select detail -> 'changed' as changed from online_migrate.events where migration = ${name} and kind = 'options-overridden'`;
    expect(overrides).toEqual([{ changed: ['windows'] }]);
    const [stored] = await db.sql<{ windows: string[]; windowExit: boolean }[]>`
      select options -> 'windows' as windows, (options ->> 'windowExit')::boolean as "windowExit" from online_migrate.migrations where name = ${name}`;
    expect(stored).toEqual({ windows: ['00:00-24:00'], windowExit: true });

    expect(await wrongRows(table)).toBe(0);
    expect(await rowsDone(name)).toBe(rows);
  });

  it('stops with exit 3 about --max-duration after the backfill starts, and a resume finishes', async () => {
    const table = 'tickets_max_duration';
    const name = migrationOf(table);
    const rows = 80_000;
    await createTickets(db.sql, rows, table);
    // At 500 rows per batch and 50 ms between batches, 80k rows take at least 8 s: the 3 s limit, counted
    // from the start of the backfill, always ends the run first, after its first batches.
    const run = watchCli(startArgs(table, ...slow, '--max-duration', '3s'), db.url);
    const { code } = await run.exited;
    expect(code).toBe(3);
    const events = run.events();
    const backfillAt = events.findIndex((e) => e.type === 'phase' && e.phase === 'backfill');
    expect(backfillAt).toBeGreaterThan(0);
    expect(batches(events.slice(backfillAt)).length).toBeGreaterThan(0);
    const error = events.at(-1)?.error as { code: string; exitCode: number; message: string } | undefined;
    expect(error).toMatchObject({ code: 'STOPPED', exitCode: 3 });
    expect(error?.message).toContain('--max-duration 3s');

    expect(await status(name)).toMatchObject({ state: 'stopped', phase: 'backfill' });
    const doneAtStop = await rowsDone(name);
    expect(doneAtStop).toBeGreaterThan(0);
    expect(doneAtStop).toBeLessThan(rows);

    // The stored --max-duration would stop this run too; 0 lifts it for this resume and after.
    const resumed = await runCli(['resume', name, '--max-duration', '0', '--pause-ms', '0', '--json'], db.url);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(lastLine(resumed.stdout)).toMatchObject({ migration: name, status: 'awaiting_contract' });
    expect(await wrongRows(table)).toBe(0);
    expect(await rowsDone(name)).toBe(rows);
    const [stored] = await db.sql<
      { limit: unknown }[]
    >`select options -> 'maxDurationMs' as limit from online_migrate.migrations where name = ${name}`;
    expect(stored?.limit).toBeNull();
  });
});

describe('pause and unpause with no name', severalCliRuns, () => {
  const db = useTestDatabase('pause_candidates');

  it('act on, or list, only the migrations whose flag they would change, never one waiting for contract', async () => {
    const [waiting, first, second] = ['pc_waiting', 'pc_first', 'pc_second'];
    for (const table of [waiting, first, second]) await createTickets(db.sql, 100, table);
    expect((await runCli(['start', 'add-column', '--table', waiting, '--column', 'note', '--type', 'text'], db.url)).code).toBe(0);
    const { window } = closedWindow();
    const stopped = (table: string): string[] => [
      ...addColumnArgs({ table, column: 'priority', type: 'text', backfill: priorityExpression, notNull: true }),
      ...['--window', window, '--timezone', 'UTC', '--window-exit'],
    ];
    expect((await runCli(stopped(first), db.url)).code).toBe(3);

    const one = await runCli(['pause'], db.url);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`add-column-${first}-priority`);

    expect((await runCli(stopped(second), db.url)).code).toBe(3);
    const other = await runCli(['pause', '--json'], db.url);
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({ migration: `add-column-${second}-priority`, paused: true });

    const several = await runCli(['unpause'], db.url);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain(
      `several migrations are active; name one of: add-column-${first}-priority, add-column-${second}-priority\n`,
    );
  });
});
