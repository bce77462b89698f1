// Deadlocks between our multi-table DDL and application transactions, built step by step so each
// case happens every time: an application transaction caught between two of our locks is never the
// victim (deadlock_timeout and lock_timeout both left at 1 s, the defaults of the report); when
// PostgreSQL does pick our statement as the victim, the step is retried like a lock timeout; and a
// writer never queues behind our DDL for much longer than lock_timeout while a long transaction holds
// one of its tables, every retry naming that transaction; and the lock that transaction holds is
// asked for first on the next attempt.
import postgres from 'postgres';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { leastDeadlockTimeoutMs } from '../../src/db/deadlock-timeout.js';
import { runLockedDdl, type LockRetry } from '../../src/db/locked-ddl.js';
import { parseSpec, rollbackMigration, startMigration } from '../../src/index.js';
import { createAccountTables, ledgerProblems, startAccountWorkload } from '../support/account-workload.js';
import { contrastHoldMs, holdLock, releaseAfter } from '../support/held-lock.js';
import { recordLockRetries, type LockRetryEvent } from '../support/lock-retry-recorder.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';
import { eventually } from '../support/watched-cli.js';

/** One application connection, its own transaction, its statements run one at a time. */
interface AppSession {
  readonly pid: number;
  readonly sql: postgres.Sql;
  end(): Promise<void>;
}

async function appSession(url: string, settings = ''): Promise<AppSession> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  if (settings !== '') await sql.unsafe(settings);
  const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  return { pid: row?.pid ?? 0, sql, end: () => sql.end({ timeout: 5 }) };
}

/** Polls the server until `check` holds: a wait on state (test/support/watched-cli.ts's eventually). */
const until = async (check: () => Promise<boolean>): Promise<void> => void (await eventually(check, (held) => held));

const migrationWaitsForALock = (sql: postgres.Sql) => async (): Promise<boolean> => {
  const [row] = await sql<{ waiting: boolean }[]>`
    select exists (select from pg_stat_activity where application_name = 'online' and datname = current_database() and wait_event_type = 'Lock') as waiting`;
  return row?.waiting === true;
};

const waitsForALock = (sql: postgres.Sql, pid: number) => async (): Promise<boolean> => {
  const [row] = await sql<{ waiting: boolean }[]>`select exists (select from pg_locks where pid = ${pid} and not granted) as waiting`;
  return row?.waiting === true;
};

/** Settles to the error's SQLSTATE, or 'ok'. */
const outcome = (query: Promise<unknown>): Promise<string> =>
  query.then(
    () => 'ok',
    (error: unknown) => String((error as { code?: unknown }).code ?? error),
  );

const addForeignKey = parseSpec(
  {
    operations: [{ op: 'add-foreign-key', table: 'history', columns: ['account_id'], references: { table: 'accounts', columns: ['id'] } }],
  },
  'test',
);
const update = (s: AppSession, n: number) => s.sql`update accounts set balance = balance + 1 where n = ${n}`;
const log = (s: AppSession, n: number) => s.sql`insert into history (account_id, amount) values (${n}, 1)`;
/** A whole payment into account 9 by another writer, in the same order, left uncommitted. */
const payment = (first: typeof update, second: typeof update) => async (s: AppSession) => {
  await first(s, 9);
  await second(s, 9);
};

/** A fresh database with the account tables for each test of the enclosing describe. */
function eachWithAccounts(prefix: string): () => TestDatabase {
  const db = useTestDatabase(prefix, { per: 'test' });
  beforeEach(async () => {
    await createAccountTables(db.sql);
  });
  return () => db;
}

describe('an application transaction caught between two of our locks', () => {
  const database = eachWithAccounts('deadlock_victims');

  // Another writer's payment holds both tables, so our step has to queue; the application takes its
  // second lock while we are queued or hold our first. Before this runner, the step locked history,
  // then waited for accounts with the full lock_timeout, and PostgreSQL aborted the application
  // (40P01) in the first case: it had queued for history behind us, so its deadlock check came first.
  it.each([
    ['updates the account, then logs it', payment(update, log), (s: AppSession) => update(s, 1), (s: AppSession) => log(s, 1)],
    ['logs, then updates the account', payment(log, update), (s: AppSession) => log(s, 1), (s: AppSession) => update(s, 1)],
  ] as const)(
    'that %s is never a deadlock victim (deadlock_timeout and lock_timeout at 1 s)',
    { timeout: 180_000 },
    async (_, earlier, first, second) => {
      const db = database();
      const [deadlockTimeout] = await db.sql<{ value: string }[]>`select current_setting('deadlock_timeout') as value`;
      expect(deadlockTimeout?.value).toBe('1s');
      const other = await appSession(db.url);
      const app = await appSession(db.url);
      await other.sql`begin`;
      await earlier(other);
      await app.sql`begin`;
      await first(app);
      const retries: LockRetryEvent[] = [];
      const migration = outcome(
        startMigration({
          databaseUrl: db.url,
          spec: addForeignKey,
          options: { lockTimeoutMs: 1_000, lockRetries: 30 },
          onEvent: (e) => void (e.type === 'lock-retry' && retries.push(e)),
        }),
      );
      await until(migrationWaitsForALock(db.sql));
      const secondLock = outcome(second(app));
      let settled = false;
      void secondLock.then(() => (settled = true));
      await until(async () => settled || (await waitsForALock(db.sql, app.pid)()));
      await other.sql`commit`;
      expect(await secondLock).toBe('ok');
      await app.sql`commit`;
      expect(await migration).toBe('ok');
      expect(await ledgerProblems(db.sql, 2)).toEqual([]);
      // Logging first, it held history and waited for accounts, which we held while we waited for
      // history: we gave up (briefly, well before its deadlock check) and named it.
      for (const retry of retries.filter((r) => r.statement.includes('"history"')))
        expect(retry.blockers.map((b) => b.pid)).toContain(app.pid);
      expect(retries.filter((r) => r.cause !== 'lock-timeout')).toEqual([]);
      await Promise.all([other.end(), app.end()]);
      await rollbackMigration({ databaseUrl: db.url, migration: addForeignKey.name });
    },
  );
});

describe('our statement as the deadlock victim', () => {
  const db = useTestDatabase('deadlock_ours');
  beforeAll(async () => {
    await createAccountTables(db.sql);
    // Our sessions check for deadlocks after 100 ms; the application's after 30 s (below): when both
    // wait in one cycle, PostgreSQL aborts ours, every time.
    await db.sql.unsafe(`alter database "${new URL(db.url).pathname.slice(1)}" set deadlock_timeout = '100ms'`);
    await db.sql`create sequence attempts`;
  });

  it(
    'is retried like a lock timeout: the retry event says deadlock, the migration succeeds and the application too',
    { timeout: 180_000 },
    async () => {
      const app = await appSession(db.url, "set deadlock_timeout = '30s'");
      await app.sql`begin`;
      await update(app, 1);
      // A statement that takes two tables itself (as a plan stored by an earlier version may): on its
      // first attempt, holding history, it waits until the application queues for history, then asks
      // for accounts, which the application holds.
      const statement =
        "do $$ begin if nextval('attempts') = 1 then " +
        'lock table history in share row exclusive mode; ' +
        "while not exists (select from pg_locks where relation = 'history'::regclass and not granted) loop perform pg_sleep(0.01); end loop; " +
        'lock table accounts in share row exclusive mode; end if; end $$';
      const spec = parseSpec({ operations: [{ op: 'sql', phase: 'expand', sql: statement }] }, 'test');
      const retries: LockRetryEvent[] = [];
      const migration = outcome(
        startMigration({
          databaseUrl: db.url,
          spec,
          options: { lockTimeoutMs: 20_000, lockRetries: 5 },
          onEvent: (e) => void (e.type === 'lock-retry' && retries.push(e)),
        }),
      );
      await until(async () => {
        const [row] = await db.sql<{ held: boolean }[]>`
        select exists (select from pg_locks where relation = 'history'::regclass and granted and mode = 'ShareRowExclusiveLock') as held`;
        return row?.held === true;
      });
      const logged = outcome(log(app, 1));
      expect(await migration).toBe('ok');
      expect(await logged).toBe('ok');
      await app.sql`commit`;
      expect(retries).toHaveLength(1);
      expect(retries[0]).toMatchObject({ cause: 'deadlock', attempt: 1, statement });
      expect(await ledgerProblems(db.sql, 1)).toEqual([]);
      await app.end();
    },
  );
});

describe('a long transaction holding one of the tables of a multi-table step', () => {
  const database = eachWithAccounts('deadlock_waits');

  const lockTimeoutMs = 1_000;

  it.each(['accounts', 'history'])(
    '(%s) makes writers wait about lock_timeout, not the 8 s it holds it, and every retry names it',
    { timeout: 240_000 },
    async (table) => {
      const db = database();
      const workload = startAccountWorkload(db.url, { sessionsPerOrder: 1, hotSessions: 1, pauseMs: 5 });
      await workload.waitForTransactions(50);
      const holder = await holdLock(db.url, `lock table ${table} in row exclusive mode`);
      const recorder = recordLockRetries();
      // Held for 8 s, and at least until the step has met it (on a slow machine pre-flight alone may take seconds).
      const released = releaseAfter(holder, recorder.first, contrastHoldMs);
      await startMigration({
        databaseUrl: db.url,
        spec: addForeignKey,
        options: { lockTimeoutMs, lockRetries: 100 },
        onEvent: recorder.onEvent,
      });
      const heldMs = await released;
      await workload.waitForTransactions(50);
      const report = await workload.stop();
      console.log(
        `a transaction holding ${table} for ${heldMs.toFixed(0)} ms: ${recorder.retries.length} lock retries, worst writer wait ${report.worstWaitMs.toFixed(0)} ms (lock_timeout ${lockTimeoutMs} ms)`,
      );
      expect(report.errors).toEqual([]);
      expect(await ledgerProblems(db.sql, report.transactions)).toEqual([]);
      const whileHeld = recorder.retries.filter((r) => r.at < holder.takenAt + heldMs);
      expect(whileHeld.length).toBeGreaterThan(0);
      for (const retry of whileHeld) expect(retry.blockers.map((b) => b.pid)).toContain(holder.pid);
      expect(report.worstWaitMs).toBeLessThan(contrastHoldMs / 2);
    },
  );
});

describe('the lock an independent transaction holds', () => {
  const database = eachWithAccounts('deadlock_order');

  it('is asked for first on the next attempt, while nothing else is held', { timeout: 180_000 }, async () => {
    const db = database();
    const holder = await appSession(db.url);
    await holder.sql`begin`;
    await holder.sql`lock table history in row exclusive mode`;
    const sql = await connect(db.url, { applicationName: 'online-order-test' });
    const retries: LockRetry[] = [];
    let settled = false;
    const step = outcome(
      runLockedDdl(
        sql,
        [
          'lock table "public"."accounts" in share row exclusive mode',
          'lock table "public"."history" in share row exclusive mode',
          'select 1',
        ],
        {
          lockTimeoutMs: 20_000,
          lockRetries: 5,
          onRetry: (retry) => retries.push(retry),
        },
      ),
    ).finally(() => (settled = true));
    // The second attempt waits for history with the full lock_timeout, holding nothing (not accounts).
    const waitingHoldingNothing = async (): Promise<boolean> => {
      const [row] = await db.sql<{ waits: boolean; holds: boolean }[]>`
        select exists (select from pg_locks l join pg_stat_activity a using (pid) where a.application_name = 'online-order-test' and not l.granted
                       and l.relation = 'history'::regclass) as waits,
               exists (select from pg_locks l join pg_stat_activity a using (pid) where a.application_name = 'online-order-test' and l.granted
                       and l.relation = 'accounts'::regclass) as holds`;
      return retries.length > 0 && row?.waits === true && row.holds === false;
    };
    let rotated = false;
    await until(async () => settled || (rotated = await waitingHoldingNothing()));
    await holder.sql`rollback`;
    expect(await step).toBe('ok');
    expect(rotated).toBe(true);
    expect(retries[0]).toMatchObject({
      attempt: 1,
      cause: 'lock-timeout',
      statement: 'lock table "public"."history" in share row exclusive mode',
    });
    expect(retries[0]?.blockers.map((b) => b.pid)).toEqual([holder.pid]);
    await Promise.all([holder.end(), sql.end()]);
  });
});

describe('the deadlock_timeout our lock waits keep within', () => {
  const database = eachWithAccounts('deadlock_timeouts');

  it("is the least of our session's and every ALTER ROLE / ALTER DATABASE setting that applies to this database", async () => {
    const db = database();
    const read = async (): Promise<number> => {
      const sql = await connect(db.url);
      try {
        return await sql.begin((tx) => leastDeadlockTimeoutMs(tx));
      } finally {
        await sql.end({ timeout: 5 });
      }
    };
    expect(await read()).toBe(1_000);
    const [current] = await db.sql<{ name: string }[]>`select current_database() as name`;
    const name = current?.name ?? '';
    const role = `app_${name}`;
    await db.sql.unsafe(`create role "${role}"`);
    try {
      // An application role whose deadlock check runs after 300 ms, in this database only.
      await db.sql.unsafe(`alter role "${role}" in database "${name}" set deadlock_timeout = '300ms'`);
      expect(await read()).toBe(300);
      // A database-wide bare number is milliseconds, as PostgreSQL reads it.
      await db.sql.unsafe(`alter database "${name}" set deadlock_timeout = 150`);
      expect(await read()).toBe(150);
      // Another database's setting does not apply here.
      await db.sql.unsafe(`alter database "${name}" reset deadlock_timeout`);
      await db.sql.unsafe(`alter role "${role}" in database postgres set deadlock_timeout = '10ms'`);
      expect(await read()).toBe(300);
    } finally {
      // Dropping the role drops its settings in every database.
      await db.sql.unsafe(`drop role "${role}"`);
    }
  });
});
