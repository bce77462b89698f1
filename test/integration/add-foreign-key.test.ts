import { beforeAll, describe, expect, it } from 'vitest';
import {
  completeMigration,
  DataViolationError,
  migrationStatus,
  OnlineError,
  parseSpec,
  planMigration,
  rollbackMigration,
  SpecError,
  startMigration,
  type MigrationSpec,
} from '../../src/index.js';
import { catalogSnapshot, type CatalogSnapshot } from '../support/catalog-snapshot.js';
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

describe('add-foreign-key', () => {
  const db = useTestDatabase('add_fk');
  beforeAll(async () => {
    await createTickets(db.sql, 20_000);
    await db.sql`create table users (id bigint primary key, email text not null unique, name text not null)`;
    await db.sql`insert into users select g, 'user' || g || '@example.com', 'user ' || g from generate_series(1, 500) g`;
    await db.sql`alter table tickets add column assigned_user_id bigint`;
    await db.sql`update tickets set assigned_user_id = 1 + id % 500 where id % 10 <> 0`;
    // Orphans: org 900x does not exist; NULL org ids are never orphans.
    await createTickets(db.sql, 300, 'legacy_tickets');
    await db.sql`create table orgs (id int primary key)`;
    await db.sql`insert into orgs select generate_series(1, 10)`;
    await db.sql`alter table legacy_tickets add column org_id int`;
    await db.sql`update legacy_tickets set org_id = case when id % 50 = 0 then 9000 + id / 50 when id % 7 = 0 then null else 1 + id % 10 end`;
    await db.sql`create table comments (id bigint primary key, ticket_id bigint not null, created_at timestamptz not null default now())`;
    await db.sql`create table ticket_events (id bigint not null, user_id bigint) partition by range (id)`;
  });

  async function constraint(table: string, name: string): Promise<ConstraintRow | undefined> {
    const [row] = await db.sql<ConstraintRow[]>`
      select contype::text as type, convalidated as validated, pg_get_constraintdef(oid) as definition
      from pg_constraint where conrelid = ${table}::regclass and conname = ${name}`;
    return row;
  }

  /** Both tables' catalog, including the internal RI triggers a foreign key installs on each. */
  async function bothTables(table: string, referenced: string): Promise<[CatalogSnapshot, CatalogSnapshot, string[]]> {
    const triggers = await db.sql<{ name: string }[]>`
      select tgrelid::regclass::text || ':' || tgfoid::regproc::text as name from pg_trigger
      where tgrelid in (${table}::regclass, ${referenced}::regclass) order by 1`;
    return [await catalogSnapshot(db.sql, table), await catalogSnapshot(db.sql, referenced), triggers.map((t) => t.name)];
  }

  const fkSpec = (fields: Record<string, unknown>, name?: string): MigrationSpec =>
    parseSpec(
      {
        ...(name === undefined ? {} : { name }),
        operations: [
          {
            op: 'add-foreign-key',
            table: 'tickets',
            columns: ['assigned_user_id'],
            references: { table: 'users', columns: ['id'] },
            ...fields,
          },
        ],
      },
      'test',
    );

  describe('bad input exits 2 and changes nothing', () => {
    it.each([
      ['an unknown column', { columns: ['assignee'] }, /column assignee of public\.tickets does not exist/],
      ['an unknown referenced table', { references: { table: 'people', columns: ['id'] } }, /table public\.people does not exist/],
      ['an unknown referenced column', { references: { table: 'users', columns: ['uid'] } }, /column uid of public\.users does not exist/],
      [
        'referenced columns that are not a key',
        { references: { table: 'users', columns: ['name'] } },
        /\(name\) is not the primary key or a unique constraint of public\.users \(its keys: primary key \(id\), unique \(email\)\)/,
      ],
      [
        'column types that cannot be compared',
        { columns: ['title'] },
        /Key columns "title" and "id" are of incompatible types: text and bigint/,
      ],
      ['a name another constraint has', { name: 'tickets_pkey' }, /already has a constraint named tickets_pkey/],
    ])('%s', async (_case, fields, message) => {
      const before = await bothTables('tickets', 'users');
      await expectOnlineError(startMigration({ databaseUrl: db.url, spec: fkSpec(fields) }), OnlineError, {
        exitCode: 2,
        message,
      });
      expect(await bothTables('tickets', 'users')).toEqual(before);
      const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
      expect(state?.exists).toBe(false);
    });

    it('a partitioned referencing table is planned, not refused: NOT VALID on the parent on 18, on each partition before', async () => {
      const [server] = await db.sql<{ version: number }[]>`select current_setting('server_version_num')::int as version`;
      const planned = planMigration({ databaseUrl: db.url, spec: fkSpec({ table: 'ticket_events', columns: ['user_id'] }) });
      await expect(planned).resolves.toMatchObject({
        expand: [
          {
            description:
              (server?.version ?? 0) >= 180000
                ? 'add foreign key ticket_events_user_id_fkey not valid (new and updated rows are checked from now on)'
                : 'add foreign key ticket_events_user_id_fkey not valid to each partition of ticket_events (PostgreSQL before 18 refuses NOT VALID on ticket_events itself)',
          },
        ],
      });
    });

    it('a constraint name over 63 bytes is refused by spec validation', () => {
      let failure: unknown;
      try {
        fkSpec({ name: 'fk_'.repeat(22) });
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(SpecError);
      expect((failure as SpecError).exitCode).toBe(2);
      expect((failure as SpecError).message).toMatch(/name: must be at most 63 bytes/);
    });
  });

  it('warns when no index serves the lookups on the referencing columns, and not once one does', async () => {
    const spec = parseSpec(
      {
        operations: [
          { op: 'add-foreign-key', table: 'comments', columns: ['ticket_id'], references: { table: 'tickets', columns: ['id'] } },
        ],
      },
      'test',
    );
    const unindexed = await planMigration({ databaseUrl: db.url, spec });
    expect(unindexed.warnings).toEqual([
      'no index on public.comments starts with (ticket_id): every delete or key update on public.tickets will scan public.comments for matching rows; ' +
        'consider a create-index on (ticket_id) first',
    ]);
    await db.sql`create index comments_ticket_id_created_at_idx on comments (ticket_id, created_at)`;
    const indexed = await planMigration({ databaseUrl: db.url, spec });
    expect(indexed.warnings).toEqual([]);
    expect(indexed.expand.flatMap((s) => s.statements)).toEqual(unindexed.expand.flatMap((s) => s.statements));
  });

  lifecycleTest(db, {
    name: 'start → rollback → start → complete under concurrent writers: NOT VALID, then validated',
    spec: fkSpec({}),
    options: { lockTimeoutMs },
    // Writers insert tickets with a NULL assigned_user_id, which the foreign key allows.
    seed: async () => {
      const before = await bothTables('tickets', 'users');
      expect(before[0].constraints.tickets_assigned_user_id_fkey).toBeUndefined();
      return { before };
    },
    afterStart: async ({ db }) => {
      expect(await constraint('tickets', 'tickets_assigned_user_id_fkey')).toEqual({
        type: 'f',
        validated: false,
        definition: 'FOREIGN KEY (assigned_user_id) REFERENCES users(id) NOT VALID',
      });
      // New rows are checked as soon as expand is done.
      await expect(db.sql`insert into tickets (title, assigned_user_id) values ('nobody', 100000)`).rejects.toMatchObject({
        code: '23503',
      });
    },
    afterRollback: async ({ db, spec, state }) => {
      expect(await bothTables('tickets', 'users')).toEqual(state.before);
      expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    },
    afterRestart: async () => {
      expect((await constraint('tickets', 'tickets_assigned_user_id_fkey'))?.validated).toBe(false);
    },
    afterComplete: async ({ db, state: { before } }) => {
      expect(await constraint('tickets', 'tickets_assigned_user_id_fkey')).toEqual({
        type: 'f',
        validated: true,
        definition: 'FOREIGN KEY (assigned_user_id) REFERENCES users(id)',
      });
      const [tickets, users] = await bothTables('tickets', 'users');
      expect(tickets.constraints).toEqual({ ...before[0].constraints, tickets_assigned_user_id_fkey: { type: 'f', validated: true } });
      expect(users).toEqual(before[1]);
      const [inserted] = await db.sql<
        { n: number }[]
      >`select count(*)::int as n from tickets where id > 20000 and assigned_user_id is null`;
      expect(inserted?.n).toBeGreaterThan(0);
    },
  });

  it('orphans fail contract with samples of their values; rollback restores the catalog', async () => {
    const spec = parseSpec(
      {
        operations: [
          {
            op: 'add-foreign-key',
            table: 'legacy_tickets',
            columns: ['org_id'],
            references: { table: 'orgs', columns: ['id'] },
            onDelete: 'restrict',
          },
        ],
      },
      'test',
    );
    const orphans = (await db.sql<{ v: string }[]>`select org_id::text as v from legacy_tickets where org_id > 10`).map((r) => r.v);
    expect(orphans.length).toBe(6);
    const before = await bothTables('legacy_tickets', 'orgs');
    const writers = startWriters(db.url, { table: 'legacy_tickets', writers: 2 });
    await startMigration({ databaseUrl: db.url, spec, options: { lockTimeoutMs } });
    expect(await constraint('legacy_tickets', 'legacy_tickets_org_id_fkey')).toMatchObject({ type: 'f', validated: false });

    const error = await expectOnlineError(completeMigration({ databaseUrl: db.url, migration: spec.name }), DataViolationError, {
      exitCode: 1,
    });
    expect(error.kind).toBe('orphans');
    expect(error.samples.length).toBe(5);
    for (const sample of error.samples) expect(orphans).toContain(sample.org_id);
    expect(error.message).toContain(`rows whose (org_id) has no match in public.orgs (id), e.g. (${String(error.samples[0]?.org_id)})`);
    const [status] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
    expect(status).toMatchObject({ state: 'failed', phase: 'contract' });

    expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    const traffic = await writers.stop();
    console.log(`add-foreign-key orphans: ${traffic.operations} writes, worst writer latency ${traffic.maxLatencyMs.toFixed(0)} ms`);
    expect(traffic.errors).toEqual([]);
    expect(await bothTables('legacy_tickets', 'orgs')).toEqual(before);
  });
});
