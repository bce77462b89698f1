import { beforeAll, describe, expect, it } from 'vitest';
import { completeMigration, migrationStatus, parseSpec, rollbackMigration, startMigration, type OnlineEvent } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';

const spec = parseSpec(
  {
    operations: [
      {
        op: 'add-column',
        table: 'tickets',
        column: 'priority',
        type: 'text',
        default: "'normal'",
        backfill: priorityExpression,
        nullable: false,
      },
    ],
  },
  'test',
);

describe('add-column lifecycle: start → rollback → start → complete, under concurrent writers', () => {
  const db = useTestDatabase('lifecycle');
  beforeAll(async () => {
    await createTickets(db.sql, 30_000);
  });

  it('keeps every row correct, writers error-free, and leaves nothing behind', async () => {
    const before = await catalogSnapshot(db.sql);
    const writers = startWriters(db.url, { writers: 3 });
    const events: OnlineEvent[] = [];
    // A fixed size (min = max), so the writers overlap many batches.
    const options = { batchSize: 700, minBatchSize: 700, maxBatchSize: 700, pauseMs: 5 };

    const first = await startMigration({ databaseUrl: db.url, spec, options, onEvent: (e) => events.push(e) });
    expect(first).toMatchObject({ migration: 'add-column-tickets-priority', status: 'awaiting_contract', phase: 'contract' });
    expect(events.filter((e) => e.type === 'batch').length).toBeGreaterThan(10);
    const expanded = await catalogSnapshot(db.sql);
    expect(expanded.columns.priority).toEqual({ type: 'text', notNull: false, default: null });
    expect(expanded.triggers).toEqual(['online_fill_insert_tickets_priority_531db6e43e', 'online_fill_update_tickets_priority_531db6e43e']);
    expect(expanded.constraints.online_nn_tickets_priority_531db6e43e).toEqual({ type: 'c', validated: false });

    expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    expect(await catalogSnapshot(db.sql)).toEqual(before);
    expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });

    await startMigration({ databaseUrl: db.url, spec, options });
    const [status] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
    expect(status?.state).toBe('awaiting_contract');
    expect(status?.backfill[0]).toMatchObject({ done: true, percent: 100 });

    // Up to contract, the triggers keep every row, old or written mid-migration, equal to the expression.
    const duringMigration = await writers.stop();
    expect(duringMigration.errors).toEqual([]);
    expect(duringMigration.operations).toBeGreaterThan(50);
    const [wrong] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from tickets where priority is distinct from (${db.sql.unsafe(priorityExpression)})`;
    expect(wrong?.n).toBe(0);

    const duringContract = startWriters(db.url, { writers: 3 });
    expect(await completeMigration({ databaseUrl: db.url })).toMatchObject({ status: 'completed', phase: 'done' });
    await duringContract.waitForOperations(20);
    const traffic = await duringContract.stop();
    expect(traffic.errors).toEqual([]);

    const after = await catalogSnapshot(db.sql);
    expect(after.columns.priority).toEqual({ type: 'text', notNull: true, default: "'normal'::text" });
    expect(after.triggers).toEqual([]);
    expect(after.constraints).toEqual(before.constraints);
    expect(after.onlineFunctions).toEqual([]);
    const [inserted] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets where id > 30000`;
    expect(inserted?.n).toBeGreaterThan(0);
    const [leases] = await db.sql<{ n: number }[]>`select count(*)::int as n from online_migrate.leases`;
    expect(leases?.n).toBe(0);
  });
});
