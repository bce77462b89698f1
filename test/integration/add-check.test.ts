import { beforeAll, describe, expect, it } from 'vitest';
import {
  completeMigration,
  DataViolationError,
  migrationStatus,
  OnlineError,
  parseSpec,
  resumeMigration,
  rollbackMigration,
  SpecError,
  startMigration,
  type MigrationSpec,
} from '../../src/index.js';
import { addCheckSpec, checkName } from '../../src/operations/add-check.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { lifecycleTest } from '../support/lifecycle-cases.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

const lockTimeoutMs = 1_000;

interface ConstraintRow {
  type: string;
  validated: boolean;
  definition: string;
}

describe('add-check', () => {
  const db = useTestDatabase('add_check');
  beforeAll(async () => {
    await createTickets(db.sql, 20_000);
    // Statuses outside ('open', 'closed'): in_progress, pending and resolved.
    await createTickets(db.sql, 300, 'legacy_tickets');
  });

  async function constraint(table: string, name: string): Promise<ConstraintRow | undefined> {
    const [row] = await db.sql<ConstraintRow[]>`
      select contype::text as type, convalidated as validated, pg_get_constraintdef(oid) as definition
      from pg_constraint where conrelid = ${table}::regclass and conname = ${name}`;
    return row;
  }

  describe('bad input exits 2 and changes nothing', () => {
    const checkSpec = (fields: Record<string, unknown>): MigrationSpec =>
      parseSpec({ operations: [{ op: 'add-check', table: 'tickets', ...fields }] }, 'test');

    it.each([
      ['an unknown table', { table: 'nope', check: 'true' }, /table public\.nope does not exist/],
      ['an unknown column', { check: 'nonexistent > 0' }, /check expression does not compile: column "nonexistent" does not exist/],
      ['an expression that does not parse', { check: 'status >' }, /check must be exactly one expression: it does not parse: syntax error/],
      ['an expression that tries to escape', { check: 'true) not valid, drop column status, add check (true' }, /unbalanced "\)"/],
      ['a subquery, which a CHECK cannot hold', { check: 'id in (select id from tickets)' }, /cannot use subquery in check constraint/],
      ['an expression that is not boolean', { check: 'status' }, /argument of CHECK must be type boolean/],
      [
        'a name another constraint has',
        { check: 'true', name: 'tickets_pkey' },
        /already has a constraint named tickets_pkey \(PRIMARY KEY \(id\)\)/,
      ],
    ])('%s', async (_case, fields, message) => {
      const before = await catalogSnapshot(db.sql);
      await expectOnlineError(startMigration({ databaseUrl: db.url, spec: checkSpec(fields) }), OnlineError, {
        exitCode: 2,
        message,
      });
      expect(await catalogSnapshot(db.sql)).toEqual(before);
      const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
      expect(state?.exists).toBe(false);
    });

    it('a constraint name over 63 bytes is refused by spec validation', () => {
      const failure: unknown = (() => {
        try {
          return checkSpec({ check: 'true', name: 'c'.repeat(64) });
        } catch (error) {
          return error;
        }
      })();
      expect(failure).toBeInstanceOf(SpecError);
      expect((failure as SpecError).exitCode).toBe(2);
      expect((failure as SpecError).message).toMatch(/name: must be at most 63 bytes/);
    });
  });

  const lifecycleCheck = { op: 'add-check', table: 'tickets', check: 'resolved_at is null or resolved_at >= created_at' };
  const lifecycleCheckName = checkName(addCheckSpec.parse(lifecycleCheck));
  lifecycleTest(db, {
    name: 'start → rollback → start → complete under concurrent writers: NOT VALID, then validated',
    spec: parseSpec({ operations: [lifecycleCheck] }, 'test'),
    options: { lockTimeoutMs },
    seed: async (db) => {
      expect(lifecycleCheckName).toMatch(/^tickets_[0-9a-f]{8}_check$/);
      const before = await catalogSnapshot(db.sql);
      expect(before.constraints[lifecycleCheckName]).toBeUndefined();
      return { before };
    },
    afterStart: async ({ db }) => {
      expect(await constraint('tickets', lifecycleCheckName)).toEqual({
        type: 'c',
        validated: false,
        definition: 'CHECK (((resolved_at IS NULL) OR (resolved_at >= created_at))) NOT VALID',
      });
      // New rows are checked as soon as expand is done.
      await expect(
        db.sql`insert into tickets (title, created_at, resolved_at) values ('bad', now(), now() - interval '1 day')`,
      ).rejects.toMatchObject({ code: '23514' });
    },
    afterRollback: async ({ db, spec, state }) => {
      expect(await catalogSnapshot(db.sql)).toEqual(state.before);
      expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    },
    afterRestart: async () => {
      expect((await constraint('tickets', lifecycleCheckName))?.validated).toBe(false);
    },
    afterComplete: async ({ db, state: { before } }) => {
      expect(await constraint('tickets', lifecycleCheckName)).toEqual({
        type: 'c',
        validated: true,
        definition: 'CHECK (((resolved_at IS NULL) OR (resolved_at >= created_at)))',
      });
      const after = await catalogSnapshot(db.sql);
      expect(after.columns).toEqual(before.columns);
      expect(after.triggers).toEqual(before.triggers);
      expect(after.constraints).toEqual({ ...before.constraints, [lifecycleCheckName]: { type: 'c', validated: true } });
      const [leases] = await db.sql<{ n: number }[]>`select count(*)::int as n from online_migrate.leases`;
      expect(leases?.n).toBe(0);
    },
  });

  describe('rows that violate the check', () => {
    const spec = parseSpec(
      {
        name: 'legacy-status-known',
        operations: [{ op: 'add-check', table: 'legacy_tickets', check: "status in ('open', 'closed')", name: 'legacy_status_known' }],
      },
      'test',
    );
    let violating: string[];
    beforeAll(async () => {
      const rows = await db.sql<{ id: string }[]>`select id::text as id from legacy_tickets where status not in ('open', 'closed')`;
      violating = rows.map((r) => r.id);
      expect(violating.length).toBeGreaterThan(100);
    });

    it('fail contract with sample keys, mark the migration failed, and roll back to the catalog before', async () => {
      const before = await catalogSnapshot(db.sql, 'legacy_tickets');
      // Writers that only insert rows the check accepts ('open').
      const writers = startWriters(db.url, { table: 'legacy_tickets', writers: 2, updates: false });
      await startMigration({ databaseUrl: db.url, spec, options: { lockTimeoutMs } });
      expect(await constraint('legacy_tickets', 'legacy_status_known')).toMatchObject({ validated: false });

      const error = await expectOnlineError(completeMigration({ databaseUrl: db.url, migration: spec.name }), DataViolationError, {
        exitCode: 1,
      });
      expect(error.kind).toBe('violations');
      expect(error.samples.length).toBe(5);
      for (const sample of error.samples) expect(violating).toContain(sample.id);
      expect(error.message).toContain(
        `rows that fail check legacy_status_known (status in ('open', 'closed')), shown by their (id), e.g. (${String(error.samples[0]?.id)})`,
      );
      const [status] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
      expect(status).toMatchObject({ state: 'failed', phase: 'contract' });
      expect(await constraint('legacy_tickets', 'legacy_status_known')).toMatchObject({ validated: false });

      expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
      const traffic = await writers.stop();
      console.log(`add-check violations: ${traffic.operations} writes, worst writer latency ${traffic.maxLatencyMs.toFixed(0)} ms`);
      expect(traffic.errors).toEqual([]);
      expect(await catalogSnapshot(db.sql, 'legacy_tickets')).toEqual(before);
    });

    it('complete on resume once the data is fixed', async () => {
      await startMigration({ databaseUrl: db.url, spec, options: { lockTimeoutMs } });
      await expect(completeMigration({ databaseUrl: db.url, migration: spec.name })).rejects.toBeInstanceOf(DataViolationError);
      await db.sql`update legacy_tickets set status = 'closed' where status not in ('open', 'closed')`;
      expect(await resumeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
      expect(await constraint('legacy_tickets', 'legacy_status_known')).toMatchObject({ type: 'c', validated: true });
    });
  });

  it('accepts a column qualified by its table name, as PostgreSQL does (drizzle-kit writes its checks so)', async () => {
    const spec = parseSpec(
      { operations: [{ op: 'add-check', table: 'legacy_tickets', name: 'legacy_id_positive', check: '"legacy_tickets"."id" > 0' }] },
      'test',
    );
    await startMigration({ databaseUrl: db.url, spec, options: { lockTimeoutMs } });
    await completeMigration({ databaseUrl: db.url, migration: spec.name });
    expect(await constraint('legacy_tickets', 'legacy_id_positive')).toEqual({
      type: 'c',
      validated: true,
      definition: 'CHECK ((id > 0))',
    });
  });
});
