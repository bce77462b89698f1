import { beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, parseSpec, rollbackMigration, startMigration, migrationStatus } from '../../src/index.js';
import { startWriters } from '../support/concurrent-writers.js';
import { holdLock, type HeldLock } from '../support/held-lock.js';
import { recordLockRetries } from '../support/lock-retry-recorder.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

const spec = parseSpec(
  { operations: [{ op: 'add-column', table: 'tickets', column: 'channel', type: 'text', default: "'email'" }] },
  'test',
);

/** A session that read the table in a transaction it keeps open: it holds ACCESS SHARE until released. */
const holdTableLock = (url: string): Promise<HeldLock> => holdLock(url, 'select count(*) from tickets');

describe('DDL under lock contention', () => {
  const db = useTestDatabase('locks');
  beforeAll(async () => {
    await createTickets(db.sql, 1_000);
  });

  it('retries while another session holds a lock and succeeds once it is released', async () => {
    const blocker = await holdTableLock(db.url);
    const recorder = recordLockRetries();
    // Released at the first retry: the run has met the lock, and can only succeed after the release.
    void recorder.first.then(() => blocker.release());
    const result = await startMigration({
      databaseUrl: db.url,
      spec,
      options: { lockTimeoutMs: 150, lockRetries: 100 },
      onEvent: recorder.onEvent,
    });
    expect(result.status).toBe('awaiting_contract');
    expect(recorder.retries.length).toBeGreaterThan(0);
    await blocker.release();
    await rollbackMigration({ databaseUrl: db.url, migration: spec.name });
  });

  it('names the blocking pid when retries run out, and never stalls traffic for long', async () => {
    const blocker = await holdTableLock(db.url);
    const writers = startWriters(db.url, { writers: 2 });
    await writers.waitForOperations(10);
    let failure: unknown;
    try {
      // Seven attempts of 1 s, with backoff between them, keep the lock held for at least 10 s. (A whole
      // second per attempt also leaves the blocker sample, taken at 60% of the wait, time to run on a
      // busy machine before the wait ends.)
      await startMigration({ databaseUrl: db.url, spec, options: { lockTimeoutMs: 1_000, lockRetries: 7 } });
    } catch (error) {
      failure = error;
    }
    const heldMs = performance.now() - blocker.takenAt;
    await writers.waitForOperations(10);
    const traffic = await writers.stop();
    await blocker.release();

    expect(failure).toBeInstanceOf(LockTimeoutError);
    const error = failure as LockTimeoutError;
    expect(error.exitCode).toBe(1);
    expect(error.attempts).toBe(7);
    expect(error.blockers.map((b) => b.pid)).toContain(blocker.pid);
    expect(error.blockers[0]?.query).toContain('select pg_backend_pid()');
    expect(error.blockers[0]?.state).toBe('idle in transaction');
    expect(error.message).toContain(`pid ${blocker.pid} (idle in transaction, transaction open`);

    // The lock was held for seconds, yet no write waited anywhere near that long: each attempt gave up
    // its place in the queue after lock_timeout.
    console.log(
      `blocked add-column: lock held ${heldMs.toFixed(0)} ms over 7 attempts; ${traffic.operations} writes, worst ${traffic.maxLatencyMs.toFixed(0)} ms (lock_timeout 1 s)`,
    );
    expect(traffic.errors).toEqual([]);
    expect(traffic.maxLatencyMs).toBeLessThan(heldMs / 2);

    const [status] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
    expect(status).toMatchObject({ state: 'failed', phase: 'expand', error: { code: 'LOCK_TIMEOUT' } });
    await rollbackMigration({ databaseUrl: db.url, migration: spec.name });
    const [column] =
      await db.sql`select 1 from pg_attribute where attrelid = 'tickets'::regclass and attname = 'channel' and not attisdropped`;
    expect(column).toBeUndefined();
  });

  it('lets exactly one of two concurrent starts of the same migration proceed', async () => {
    const big = parseSpec(
      { name: 'twin', operations: [{ op: 'add-column', table: 'tickets', column: 'twin', type: 'text', backfill: "'x'" }] },
      'test',
    );
    const options = { batchSize: 50, pauseMs: 20 };
    const results = await Promise.allSettled([
      startMigration({ databaseUrl: db.url, spec: big, options }),
      startMigration({ databaseUrl: db.url, spec: big, options }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0]?.reason as { exitCode?: number }).exitCode).toBe(2);
    expect(String((lost[0]?.reason as Error).message)).toMatch(
      /being run by another worker: pid \d+|already exists|already exists on public\.tickets/,
    );
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets where twin is distinct from 'x'`;
    expect(row?.n).toBe(0);
  });
});
