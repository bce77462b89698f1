import { beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { lifecycleTest } from '../support/lifecycle-cases.js';
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

  lifecycleTest(db, {
    name: 'start → rollback → start → complete under writers: the index goes only in contract, concurrently',
    spec: parseSpec({ operations: [{ op: 'drop-index', table: 'tickets', name: 'tickets_status_idx' }] }, 'test'),
    seed: async (db) => ({ before: await catalogSnapshot(db.sql) }),
    afterStart: async ({ db, state }) => {
      expect(await catalogSnapshot(db.sql)).toEqual(state.before);
    },
    afterRollback: async ({ db, state }) => {
      expect(await catalogSnapshot(db.sql)).toEqual(state.before);
    },
    afterComplete: async () => {
      expect(await indexNames()).toEqual(['tickets_pkey']);
    },
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
