// Another session's query text is shown when it blocks a step (lock-retry lines, the LOCK_TIMEOUT error,
// blocker-cancel events, hazards). It may carry a password (ALTER ROLE … PASSWORD '…'): never shown.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, parseSpec, startMigration } from '../../src/index.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

const spec = parseSpec({ operations: [{ op: 'add-column', table: 'tickets', column: 'channel', type: 'text' }] }, 'test');
const secret = 'hunter2-Very-Secret';

describe("a blocker's query text", () => {
  const db = useTestDatabase('blocker_secrets');
  beforeAll(async () => {
    await createTickets(db.sql, 100);
    await db.sql.unsafe('create role online_secret_test_role');
  });
  afterAll(async () => {
    await db.sql.unsafe('drop role if exists online_secret_test_role');
  });

  it('is shown with its password blanked', async () => {
    const holder = postgres(db.url, { max: 1, onnotice: () => undefined });
    const conn = await holder.reserve();
    await conn`begin`;
    await conn`select count(*) from tickets`;
    await conn.unsafe(`alter role online_secret_test_role password '${secret}'`);
    const events: string[] = [];
    const failure = await startMigration({
      databaseUrl: db.url,
      spec,
      options: { lockTimeoutMs: 1_000, lockRetries: 2 },
      onEvent: (event) => events.push(JSON.stringify(event)),
    }).catch((error: unknown) => error);
    await conn`rollback`;
    conn.release();
    await holder.end();

    expect(failure).toBeInstanceOf(LockTimeoutError);
    const error = failure as LockTimeoutError;
    expect(error.blockers[0]?.query).toContain("password '***'");
    const shown = [error.message, JSON.stringify(error.blockers), ...events].join('\n');
    expect(shown).toContain('alter role online_secret_test_role');
    expect(shown).not.toContain(secret);
  });
});
