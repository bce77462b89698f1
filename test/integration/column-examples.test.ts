import { beforeAll, describe, expect, it } from 'vitest';
import { completeMigration, loadSpecFile, startMigration } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { useTestDatabase } from '../support/test-database.js';
import { examplePath, loadExampleTickets } from '../support/tickets-fixture.js';

describe('the rename-column and change-type examples, on examples/tickets.sql under writers', () => {
  const db = useTestDatabase('column_examples');
  beforeAll(async () => {
    await loadExampleTickets(db.sql);
  });

  it('rename-column-customer-email.yaml, then change-type-title-varchar.yaml', async () => {
    const [before] = await db.sql<
      { sum: string }[]
    >`select md5(string_agg(id || ':' || title || ':' || coalesce(customer_email, ''), ',' order by id)) as sum from tickets`;
    const writers = startWriters(db.url, { writers: 2 });
    for (const file of ['rename-column-customer-email.yaml', 'change-type-title-varchar.yaml']) {
      const spec = await loadSpecFile(examplePath(file));
      expect(await startMigration({ databaseUrl: db.url, spec })).toMatchObject({ status: 'awaiting_contract' });
      expect(await completeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
    }
    const traffic = await writers.stop();
    expect(traffic.errors).toEqual([]);
    const columns = (await catalogSnapshot(db.sql)).columns;
    expect(columns.title).toEqual({ type: 'character varying(200)', notNull: true, default: null });
    // A rebuilt column is a new column: it moves to the end of the table.
    expect(Object.keys(columns)).toEqual([
      'id',
      'description',
      'status',
      'escalated',
      'created_at',
      'updated_at',
      'resolved_at',
      'requester_email',
      'title',
    ]);
    const [after] = await db.sql<{ sum: string }[]>`
      select md5(string_agg(id || ':' || title || ':' || coalesce(requester_email, ''), ',' order by id)) as sum from tickets where id <= 100000`;
    expect(after).toEqual(before);
  });
});
