// A long transaction holding a lock that conflicts with a constraint operation's strong-lock statement
// (ADD CONSTRAINT, USING INDEX, SET NOT NULL) must never make traffic queue behind our DDL for longer
// than about lock_timeout: the statement gives up its place in the queue and retries. Measured as the
// worst latency of concurrent writers while the long transaction holds on.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeMigration, parseSpec, startMigration, type OnlineEvent } from '../../src/index.js';
import { startWriters } from '../support/concurrent-writers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

const lockTimeoutMs = 200;
const heldMs = 2_500;
/** lock_timeout plus scheduling and commit noise on a shared 2-core machine. */
const marginMs = 600;

/**
 * Holds ROW EXCLUSIVE on tickets for `ms`, as an application transaction that wrote to it and has not
 * committed: it conflicts with ACCESS EXCLUSIVE and with SHARE ROW EXCLUSIVE (a foreign key's).
 */
async function holdTicketsFor(url: string, ms: number): Promise<{ readonly released: Promise<void> }> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  const conn = await sql.reserve();
  await conn`begin`;
  await conn`lock table tickets in row exclusive mode`;
  const released = (async () => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    await conn`rollback`;
    conn.release();
    await sql.end();
  })();
  return { released };
}

describe('constraint operations under a long conflicting transaction', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('constraint_locks');
    await createTickets(db.sql, 5_000);
    await db.sql`create table users (id bigint primary key, name text not null)`;
    await db.sql`insert into users select g, 'user ' || g from generate_series(1, 100) g`;
    // Writers insert tickets without these: ref stays NULL (unique allows it), channel takes its default.
    await db.sql`alter table tickets add column assigned_user_id bigint, add column ref text, add column channel text default 'web'`;
    await db.sql`update tickets set assigned_user_id = 1 + id % 100, ref = 'T-' || id`;
  });
  afterAll(async () => {
    await db.drop();
  });

  const options = { lockTimeoutMs, lockRetries: 200 };

  async function underHeldLock(run: (onEvent: (e: OnlineEvent) => void) => Promise<unknown>): Promise<{ retries: number; worstWriteMs: number }> {
    const writers = startWriters(db.url, { writers: 2, updates: false });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const held = await holdTicketsFor(db.url, heldMs);
    let retries = 0;
    await run((e) => void (e.type === 'lock-retry' && retries++));
    await held.released;
    const traffic = await writers.stop();
    expect(traffic.errors).toEqual([]);
    expect(traffic.operations).toBeGreaterThan(20);
    return { retries, worstWriteMs: traffic.maxLatencyMs };
  }

  it.each([
    ['add-check (ADD CONSTRAINT … NOT VALID)', { op: 'add-check', table: 'tickets', check: "status <> 'bogus'", name: 'tickets_status_not_bogus' }],
    ['add-foreign-key (ADD CONSTRAINT … NOT VALID)', { op: 'add-foreign-key', table: 'tickets', columns: ['assigned_user_id'], references: { table: 'users', columns: ['id'] } }],
  ])('%s: traffic waits at most about lock_timeout', async (label, op) => {
    const spec = parseSpec({ operations: [op] }, 'test');
    const { retries, worstWriteMs } = await underHeldLock((onEvent) => startMigration({ databaseUrl: db.url, spec, options: { ...options, complete: true }, onEvent }));
    console.log(`${label}: ${retries} lock retries while a transaction held tickets for ${heldMs} ms; worst writer wait ${worstWriteMs.toFixed(0)} ms (lock_timeout ${lockTimeoutMs} ms)`);
    expect(retries).toBeGreaterThan(0);
    expect(worstWriteMs).toBeLessThan(lockTimeoutMs + marginMs);
  });

  it.each([
    ['add-unique (ADD CONSTRAINT … USING INDEX)', { op: 'add-unique', table: 'tickets', columns: ['ref'] }],
    ['set-not-null (SET NOT NULL)', { op: 'set-not-null', table: 'tickets', column: 'channel' }],
  ])('%s in contract: traffic waits at most about lock_timeout', async (label, op) => {
    const spec = parseSpec({ operations: [op] }, 'test');
    // Expand (a concurrent index build waits for old transactions by design) runs before the lock is held.
    await startMigration({ databaseUrl: db.url, spec, options });
    const { retries, worstWriteMs } = await underHeldLock((onEvent) => completeMigration({ databaseUrl: db.url, migration: spec.name, onEvent }));
    console.log(`${label}: ${retries} lock retries while a transaction held tickets for ${heldMs} ms; worst writer wait ${worstWriteMs.toFixed(0)} ms (lock_timeout ${lockTimeoutMs} ms)`);
    expect(retries).toBeGreaterThan(0);
    expect(worstWriteMs).toBeLessThan(lockTimeoutMs + marginMs);
  });
});
