import { beforeAll, describe, expect, it } from 'vitest';
import { completeMigration, parseSpec, rollbackMigration, startMigration } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { preflightRefusal } from '../support/preflight-refusal.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

describe('drop-index', () => {
  const db = useTestDatabase('drop_index');
  beforeAll(async () => {
    await createTickets(db.sql, 20_000);
    await db.sql`create index tickets_status_idx on tickets (status, created_at)`;
  });

  const indexNames = async (): Promise<string[]> =>
    (
      await db.sql<
        { name: string }[]
      >`select indexrelid::regclass::text as name from pg_index where indrelid = 'tickets'::regclass order by 1`
    ).map((r) => r.name);

  it('start → rollback → start → complete under writers: the index goes only in contract, concurrently', async () => {
    const before = await catalogSnapshot(db.sql);
    const spec = parseSpec({ operations: [{ op: 'drop-index', table: 'tickets', name: 'tickets_status_idx' }] }, 'test');
    const writers = startWriters(db.url, { writers: 3 });
    expect(await startMigration({ databaseUrl: db.url, spec })).toMatchObject({ status: 'awaiting_contract' });
    expect(await catalogSnapshot(db.sql)).toEqual(before);
    await rollbackMigration({ databaseUrl: db.url, migration: spec.name });
    expect(await catalogSnapshot(db.sql)).toEqual(before);
    await startMigration({ databaseUrl: db.url, spec });
    expect(await completeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
    const traffic = await writers.stop();
    console.log(`drop-index: ${traffic.operations} writes, worst ${traffic.maxLatencyMs.toFixed(0)} ms`);
    expect(traffic.errors).toEqual([]);
    expect(await indexNames()).toEqual(['tickets_pkey']);
  });

  it('refuses an index that backs a constraint, and an unknown index, changing nothing', async () => {
    const before = await catalogSnapshot(db.sql);
    for (const [name, message] of [
      ['tickets_pkey', /index tickets_pkey backs constraint tickets_pkey; drop the constraint instead/],
      ['nope_idx', /index public\.nope_idx does not exist/],
    ] as const) {
      await preflightRefusal(db.url, { op: 'drop-index', table: 'tickets', name }, undefined, { message });
    }
    expect(await catalogSnapshot(db.sql)).toEqual(before);
  });
});
