import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, parseSpec, rollbackMigration, startMigration, migrationStatus, type OnlineEvent } from '../../src/index.js';
import { startWriters } from '../support/concurrent-writers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

const spec = parseSpec({ operations: [{ op: 'add-column', table: 'tickets', column: 'channel', type: 'text', default: "'email'" }] }, 'test');

/** A session that read the table in a transaction it keeps open: it holds ACCESS SHARE until released. */
async function holdTableLock(url: string): Promise<{ pid: number; release: () => Promise<void> }> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  const conn = await sql.reserve();
  await conn`begin`;
  await conn`select count(*) from tickets`;
  const [row] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
  return {
    pid: row?.pid ?? 0,
    release: async () => {
      await conn`rollback`;
      conn.release();
      await sql.end();
    },
  };
}

describe('DDL under lock contention', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('locks');
    await createTickets(db.sql, 1_000);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('retries while another session holds a lock and succeeds once it is released', async () => {
    const blocker = await holdTableLock(db.url);
    const events: OnlineEvent[] = [];
    setTimeout(() => void blocker.release(), 1_200);
    const result = await startMigration({ databaseUrl: db.url, spec, options: { lockTimeoutMs: 150, lockRetries: 100 }, onEvent: (e) => events.push(e) });
    expect(result.status).toBe('awaiting_contract');
    expect(events.filter((e) => e.type === 'lock-retry').length).toBeGreaterThan(0);
    await rollbackMigration({ databaseUrl: db.url, migration: spec.name });
  });

  it('names the blocking pid when retries run out, and never stalls traffic for long', async () => {
    const blocker = await holdTableLock(db.url);
    const writers = startWriters(db.url, { writers: 2 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const heldSince = performance.now();
    let failure: unknown;
    try {
      await startMigration({ databaseUrl: db.url, spec, options: { lockTimeoutMs: 100, lockRetries: 5 } });
    } catch (error) {
      failure = error;
    }
    const heldMs = performance.now() - heldSince;
    const traffic = await writers.stop();
    await blocker.release();

    expect(failure).toBeInstanceOf(LockTimeoutError);
    const error = failure as LockTimeoutError;
    expect(error.exitCode).toBe(1);
    expect(error.attempts).toBe(5);
    expect(error.blockers.map((b) => b.pid)).toContain(blocker.pid);
    expect(error.blockers[0]?.query).toContain('select pg_backend_pid()');
    expect(error.blockers[0]?.state).toBe('idle in transaction');
    expect(error.message).toContain(`pid ${blocker.pid} (idle in transaction, transaction open`);

    // The lock was held for well over a second, yet no write waited much longer than lock_timeout.
    expect(heldMs).toBeGreaterThan(1_200);
    expect(traffic.errors).toEqual([]);
    expect(traffic.operations).toBeGreaterThan(10);
    expect(traffic.maxLatencyMs).toBeLessThan(1_000);

    const [status] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
    expect(status).toMatchObject({ state: 'failed', phase: 'expand', error: { code: 'LOCK_TIMEOUT' } });
    await rollbackMigration({ databaseUrl: db.url, migration: spec.name });
    const [column] = await db.sql`select 1 from pg_attribute where attrelid = 'tickets'::regclass and attname = 'channel' and not attisdropped`;
    expect(column).toBeUndefined();
  });

  it('lets exactly one of two concurrent starts of the same migration proceed', async () => {
    const big = parseSpec({ name: 'twin', operations: [{ op: 'add-column', table: 'tickets', column: 'twin', type: 'text', backfill: "'x'" }] }, 'test');
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
    expect(String((lost[0]?.reason as Error).message)).toMatch(/being run by another worker: pid \d+|already exists|already exists on public\.tickets/);
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets where twin is distinct from 'x'`;
    expect(row?.n).toBe(0);
  });
});
