// --cancel-blockers-after: once a DDL step has been retried long enough, the sessions blocking it are
// cancelled (a running statement) or, with --terminate-blockers, ended (a transaction left idle, which
// a cancel does not reach), within safety limits; the application's other sessions never see an error.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  LockTimeoutError,
  parseSpec,
  resumeMigration,
  rollbackMigration,
  startMigration,
  type OnlineEvent,
  type RunOptionsInput,
} from '../../src/index.js';
import { expectCalmTraffic, startWriters } from '../support/concurrent-writers.js';
import { jsonLines, runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

type BlockerEvent = Extract<OnlineEvent, { type: 'blocker-cancel' }>;

/** A session of the application: a role of its own (not a superuser), application_name `billing`. */
interface Victim {
  readonly pid: number;
  /** How its running statement ended, for one started with `run`. */
  readonly outcome: Promise<string>;
  release(): Promise<void>;
}

describe('cancelling the sessions that block a DDL step', () => {
  const db = useTestDatabase('cancel_blockers');
  const role = `app_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(8).toString('hex');
  const roleUrl = (): string => {
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    return url.toString();
  };

  beforeAll(async () => {
    await createTickets(db.sql, 2_000);
    await db.sql.unsafe(`create role "${role}" login password '${password}'`);
    await db.sql.unsafe(`grant select, insert, update, delete on tickets to "${role}"`);
  });
  /** Every victim is released after its test, passed or failed (a lock left held would block the next ones). */
  const victims: Victim[] = [];
  afterEach(async () => {
    await Promise.all(victims.splice(0).map((v) => v.release()));
  });
  afterAll(async () => {
    await db.sql.unsafe(`drop owned by "${role}"`);
    await db.sql.unsafe(`drop role "${role}"`);
  });

  /** Opens a session as `url`'s user, runs `statements` in a transaction it keeps open (idle, or running the last one when `running`). */
  async function victim(url: string, statements: string, options: { readonly running?: boolean } = {}): Promise<Victim> {
    const sql = postgres(url, { max: 1, onnotice: () => undefined, connection: { application_name: 'billing' } });
    const conn = await sql.reserve();
    const [row] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const pid = row?.pid ?? 0;
    let outcome: Promise<string> = Promise.resolve('idle');
    if (options.running === true) {
      outcome = conn.unsafe(`begin; ${statements}`).then(
        () => 'finished',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      // Running once it waits in its last statement (pg_sleep), not before.
      await waitFor(async () => (await stateOf(pid))?.wait_event === 'PgSleep');
    } else {
      await conn`begin`;
      await conn.unsafe(statements);
    }
    let released: Promise<void> | undefined;
    const made: Victim = {
      pid,
      outcome,
      release() {
        released ??= (async () => {
          conn.release();
          await sql.end({ timeout: 0 }).catch(() => undefined);
        })();
        return released;
      },
    };
    victims.push(made);
    return made;
  }

  async function stateOf(pid: number): Promise<{ state: string | null; wait_event: string | null } | undefined> {
    const [row] = await db.sql<{ state: string | null; wait_event: string | null }[]>`
      select state, wait_event from pg_stat_activity where pid = ${pid}`;
    return row;
  }

  async function waitFor(condition: () => Promise<boolean>): Promise<void> {
    for (;;) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const specFor = (column: string) =>
    parseSpec({ name: `add-${column}`, operations: [{ op: 'add-column', table: 'tickets', column, type: 'text' }] }, 'test');

  async function run(column: string, options: RunOptionsInput): Promise<{ events: BlockerEvent[]; error: unknown }> {
    const events: BlockerEvent[] = [];
    const error = await startMigration({
      databaseUrl: db.url,
      spec: specFor(column),
      options,
      onEvent: (e) => void (e.type === 'blocker-cancel' && events.push(e)),
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    return { events, error };
  }

  async function loggedEvents(migration: string): Promise<{ kind: string; detail: BlockerEvent }[]> {
    return db.sql<{ kind: string; detail: BlockerEvent }[]>`
      select kind, detail from online_migrate.events where migration = ${migration} and kind like 'blocker-%' order by id`;
  }

  /** Short retries that end in seconds: the threshold is passed after a few attempts, and the step then fails. */
  const failingRetries = { lockTimeoutMs: 300, lockRetries: 6, cancelBlockersAfterMs: 500 };
  /** Retries that go on long enough for the cancelled blocker's lock to be taken. */
  const lastingRetries = { lockTimeoutMs: 200, lockRetries: 200, cancelBlockersAfterMs: 1_000 };

  it('terminates a blocker idle in transaction with --terminate-blockers, and the step completes under writers', async () => {
    const blocker = await victim(roleUrl(), 'select count(*) from tickets');
    const writers = startWriters(db.url);
    await writers.waitForOperations(10);
    const { events, error } = await run('terminated', { ...lastingRetries, terminateBlockers: true });
    expect(error).toBeUndefined();
    await expectCalmTraffic('writers while a blocker was terminated', writers);
    // The writers' sessions may be seen in the way too (a write under way as we asked for the lock): only the victim is acted on.
    const acted = events.filter((e) => e.action !== 'left-alone' || e.blocker.pid === blocker.pid);
    expect(acted.map((e) => [e.action, e.blocker.pid])).toEqual([['terminated', blocker.pid]]);
    expect(acted[0]?.blocker).toMatchObject({
      application: 'billing',
      user: role,
      state: 'idle in transaction',
      query: 'select count(*) from tickets',
    });
    expect(acted[0]?.reason).toMatch(/^the step had been retried for [\d.]+s, past --cancel-blockers-after 1s$/);
    expect(acted[0]?.statement).toContain('add column if not exists "terminated"');
    await waitFor(async () => (await stateOf(blocker.pid)) === undefined);
    const logged = await loggedEvents('add-terminated');
    expect(logged.filter((e) => e.kind !== 'blocker-left-alone').map((e) => [e.kind, e.detail.blocker.pid])).toEqual([
      ['blocker-terminated', blocker.pid],
    ]);
    await rollbackMigration({ databaseUrl: db.url, migration: 'add-terminated' });
  });

  it('leaves a blocker idle in transaction alone without --terminate-blockers: the step fails after its retries, saying why', async () => {
    const blocker = await victim(roleUrl(), 'select count(*) from tickets');
    const { events, error } = await run('spared', failingRetries);
    expect(error).toBeInstanceOf(LockTimeoutError);
    const failure = error as LockTimeoutError;
    expect(failure.exitCode).toBe(1);
    const reason = 'idle in transaction: a cancel would not release its locks; --terminate-blockers would end its session';
    expect(failure.spared).toEqual([expect.objectContaining({ pid: blocker.pid, reason })]);
    expect(failure.message).toContain(`not cancelled (--cancel-blockers-after):\n  pid ${blocker.pid}: ${reason}`);
    // Said once, however many rounds found it.
    expect(events.map((e) => [e.action, e.blocker.pid, e.reason])).toEqual([['left-alone', blocker.pid, reason]]);
    expect(await stateOf(blocker.pid)).toMatchObject({ state: 'idle in transaction' });
    expect((await loggedEvents('add-spared')).map((e) => e.kind)).toEqual(['blocker-left-alone']);
    await blocker.release();
    await rollbackMigration({ databaseUrl: db.url, migration: 'add-spared' });
  });

  it('cancels an active blocker with pg_cancel_backend, naming its query, and the step completes under writers', async () => {
    const blocker = await victim(roleUrl(), 'select count(*) from tickets; select pg_sleep(60)', { running: true });
    const writers = startWriters(db.url);
    await writers.waitForOperations(10);
    const { events, error } = await run('cancelled', lastingRetries);
    expect(error).toBeUndefined();
    await expectCalmTraffic('writers while a blocker was cancelled', writers);
    const acted = events.filter((e) => e.action !== 'left-alone' || e.blocker.pid === blocker.pid);
    expect(acted.map((e) => [e.action, e.blocker.pid])).toEqual([['cancelled', blocker.pid]]);
    expect(acted[0]?.blocker.query).toContain('select pg_sleep(60)');
    expect(await blocker.outcome).toBe('canceling statement due to user request');
    // Cancelled, not ended: its session is still there, its transaction aborted (and its locks gone).
    expect(await stateOf(blocker.pid)).toMatchObject({ state: 'idle in transaction (aborted)' });
    await rollbackMigration({ databaseUrl: db.url, migration: 'add-cancelled' });
  });

  it('never cancels a session holding LOCK TABLE, whatever else is allowed', async () => {
    const blocker = await victim(roleUrl(), 'lock table tickets in share mode');
    const { events, error } = await run('locked', {
      ...failingRetries,
      terminateBlockers: true,
      cancelSuperuserBlockers: true,
      maxBlockerWrites: 100,
    });
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(events.map((e) => [e.action, e.blocker.pid])).toEqual([['left-alone', blocker.pid]]);
    expect(events[0]?.reason).toBe('it holds ShareLock on tickets, stronger than any DML takes: DDL or an explicit LOCK TABLE');
    expect(await stateOf(blocker.pid)).toMatchObject({ state: 'idle in transaction' });
    await blocker.release();
    await rollbackMigration({ databaseUrl: db.url, migration: 'add-locked' });
  });

  it('refuses a blocker whose transaction wrote more than --max-blocker-writes, and ends it once the limit allows', async () => {
    const blocker = await victim(roleUrl(), "update tickets set title = title || '!' where id = 1");
    const { events, error } = await run('writer', { ...failingRetries, terminateBlockers: true });
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(events.map((e) => [e.action, e.blocker.pid, e.reason])).toEqual([
      [
        'left-alone',
        blocker.pid,
        'its transaction has written to 1 table, more than --max-blocker-writes 0: cancelling would roll that back',
      ],
    ]);
    const resumed: BlockerEvent[] = [];
    await resumeMigration({
      databaseUrl: db.url,
      migration: 'add-writer',
      overrides: { ...lastingRetries, maxBlockerWrites: 1 },
      onEvent: (e) => void (e.type === 'blocker-cancel' && resumed.push(e)),
    });
    expect(resumed.map((e) => [e.action, e.blocker.pid])).toEqual([['terminated', blocker.pid]]);
    const [row] = await db.sql<{ title: string }[]>`select title from tickets where id = 1`;
    expect(row?.title.endsWith('!')).toBe(false);
    await rollbackMigration({ databaseUrl: db.url, migration: 'add-writer' });
  });

  it("leaves a superuser's session alone by default", async () => {
    const blocker = await victim(db.url, 'select count(*) from tickets');
    const { events, error } = await run('superuser', { ...failingRetries, terminateBlockers: true });
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(events.map((e) => [e.action, e.blocker.pid])).toEqual([['left-alone', blocker.pid]]);
    expect(events[0]?.reason).toMatch(/^a superuser's session \(.+\): --cancel-superuser-blockers would cancel it$/);
    expect(await stateOf(blocker.pid)).toMatchObject({ state: 'idle in transaction' });
    await blocker.release();
    await rollbackMigration({ databaseUrl: db.url, migration: 'add-superuser' });
  });

  it('prints each action and carries it in --json; refuses the limits without --cancel-blockers-after (exit 2)', async () => {
    const refused = await runCli(
      ['start', 'add-column', '--table', 'tickets', '--column', 'never', '--type', 'text', '--terminate-blockers'],
      db.url,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--terminate-blockers: applies only with cancel-blockers-after');
    const unreadable = await runCli(
      ['start', 'add-column', '--table', 'tickets', '--column', 'never', '--type', 'text', '--cancel-blockers-after', 'soon'],
      db.url,
    );
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain('--cancel-blockers-after');

    const blocker = await victim(roleUrl(), 'select count(*) from tickets');
    const flags = ['--lock-timeout', '200ms', '--lock-retries', '200', '--cancel-blockers-after', '1s', '--terminate-blockers'];
    const json = await runCli(
      ['start', 'add-column', '--table', 'tickets', '--column', 'by_cli', '--type', 'text', ...flags, '--json'],
      db.url,
    );
    expect(json.code).toBe(0);
    const lines = jsonLines(json.stdout).filter((e) => e.type === 'blocker-cancel');
    expect(lines).toEqual([
      expect.objectContaining({ action: 'terminated', blocker: expect.objectContaining({ pid: blocker.pid, user: role }) }),
    ]);
    await blocker.release();

    const second = await victim(roleUrl(), 'select count(*) from tickets');
    const text = await runCli(['rollback', 'add-column-tickets-by_cli'], db.url);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`✗ terminated blocker pid ${second.pid} (idle in transaction`);
    expect(text.stdout).toContain(`user ${role}): select count(*) from tickets; the step had been retried for`);
    await second.release();
  });
});
