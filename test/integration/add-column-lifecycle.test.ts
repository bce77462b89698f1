import { describe, expect } from 'vitest';
import { migrationStatus, parseSpec, rollbackMigration } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { lifecycleTest } from '../support/lifecycle-cases.js';
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
  lifecycleTest(db, {
    name: 'keeps every row correct, writers error-free, and leaves nothing behind',
    spec,
    // A fixed size (min = max), so the writers overlap many batches.
    options: { batchSize: 700, minBatchSize: 700, maxBatchSize: 700, pauseMs: 5 },
    completeUnnamed: true,
    seed: async (db) => {
      await createTickets(db.sql, 30_000);
      return { before: await catalogSnapshot(db.sql) };
    },
    afterStart: async ({ db, events }) => {
      expect(events.filter((e) => e.type === 'batch').length).toBeGreaterThan(10);
      const expanded = await catalogSnapshot(db.sql);
      expect(expanded.columns.priority).toEqual({ type: 'text', notNull: false, default: null });
      expect(expanded.triggers).toEqual([
        'online_fill_insert_tickets_priority_531db6e43e',
        'online_fill_update_tickets_priority_531db6e43e',
      ]);
      expect(expanded.constraints.online_nn_tickets_priority_531db6e43e).toEqual({ type: 'c', validated: false });
    },
    afterRollback: async ({ db, state }) => {
      expect(await catalogSnapshot(db.sql)).toEqual(state.before);
      expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    },
    afterRestart: async ({ db, writers }) => {
      const [status] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
      expect(status?.state).toBe('awaiting_contract');
      expect(status?.backfill[0]).toMatchObject({ done: true, percent: 100 });
      // Up to contract, the triggers keep every row, old or written mid-migration, equal to the expression
      // (the writers' errors, none, are asserted after complete).
      expect(writers.operations()).toBeGreaterThan(50);
      const [wrong] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from tickets where priority is distinct from (${db.sql.unsafe(priorityExpression)})`;
      expect(wrong?.n).toBe(0);
    },
    afterComplete: async ({ db, state: { before } }) => {
      const after = await catalogSnapshot(db.sql);
      expect(after.columns.priority).toEqual({ type: 'text', notNull: true, default: "'normal'::text" });
      expect(after.triggers).toEqual([]);
      expect(after.constraints).toEqual(before.constraints);
      expect(after.onlineFunctions).toEqual([]);
      const [inserted] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets where id > 30000`;
      expect(inserted?.n).toBeGreaterThan(0);
      const [leases] = await db.sql<{ n: number }[]>`select count(*)::int as n from online_migrate.leases`;
      expect(leases?.n).toBe(0);
    },
  });
});
