import { beforeAll, describe, expect, it } from 'vitest';
import {
  completeMigration,
  parseSpec,
  planMigration,
  rollbackMigration,
  startMigration,
  type OnlineEvent,
  type PreflightError,
} from '../../src/index.js';
import { ensureStateSchema } from '../../src/state/state-schema.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { preflightRefusal } from '../support/preflight-refusal.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

const rows = 20_000;
const options = { lockTimeoutMs: 1_000 };

/** Every relation of the public schema and every function named archive_*: what a refused drop must leave alone. */
async function objects(db: TestDatabase): Promise<string[]> {
  const rows = await db.sql<{ name: string }[]>`
    select relkind::text || ' ' || relname as name from pg_class where relnamespace = 'public'::regnamespace
    union all select 'function ' || proname from pg_proc where proname like 'archive%' order by 1`;
  return rows.map((r) => r.name);
}

const refusal = (db: TestDatabase, operation: Record<string, unknown>): Promise<PreflightError> =>
  preflightRefusal(db.url, operation, options);

describe('drop-table', () => {
  const db = useTestDatabase('drop_table');
  beforeAll(async () => {
    await createTickets(db.sql, rows);
    // The retired archive feature: a table referencing tickets, a view over it, and a table referencing it.
    await db.sql.unsafe(`
      create table ticket_archive (id bigint primary key references tickets (id), archived_at timestamptz not null default now(), reason text);
      create index ticket_archive_archived_at_idx on ticket_archive (archived_at);
      insert into ticket_archive (id, reason) select id, 'closed' from tickets where status = 'closed';
      create view archive_recent as select id, archived_at from ticket_archive where archived_at > now() - interval '30 days';
      create table archive_notes (id int primary key, archive_id bigint constraint archive_notes_archive_id_fkey references ticket_archive (id), note text);
      insert into archive_notes select 1, min(id), 'kept' from ticket_archive;`);
  });

  const snapshot = async () => ({
    tickets: await catalogSnapshot(db.sql),
    archive: await catalogSnapshot(db.sql, 'ticket_archive'),
    notes: await catalogSnapshot(db.sql, 'archive_notes'),
    objects: await objects(db),
  });

  it('refuses while a view and another table’s foreign key depend on the table, naming each, changing nothing (API and CLI)', async () => {
    await db.sql`create function archive_reason(a ticket_archive) returns text language sql return a.reason`;
    try {
      const before = await snapshot();
      const error = await refusal(db, { op: 'drop-table', table: 'ticket_archive' });
      expect(error.code).toBe('HAS_DEPENDANTS');
      expect(error.message).toBe(
        'pre-flight failed: table public.ticket_archive cannot be dropped while other objects depend on it:\n' +
          '  foreign key archive_notes_archive_id_fkey on table archive_notes\n' +
          '  function archive_reason(ticket_archive)\n' +
          '  view archive_recent\n' +
          'change or drop them first, or set cascade: true (--cascade) to drop them with it',
      );
      const cli = await runCli(['start', 'drop-table', '--table', 'ticket_archive'], db.url);
      expect(cli.code).toBe(2);
      for (const dependant of [
        'foreign key archive_notes_archive_id_fkey on table archive_notes',
        'function archive_reason(ticket_archive)',
        'view archive_recent',
      ]) {
        expect(cli.stderr).toContain(dependant);
      }
      expect(await snapshot()).toEqual(before);
    } finally {
      await db.sql`drop function archive_reason(ticket_archive)`;
    }
  });

  it('refuses a missing table (API and CLI) and a table of online’s state schema, changing nothing', async () => {
    const before = await snapshot();
    const missing = await refusal(db, { op: 'drop-table', table: 'nope' });
    expect(missing.code).toBe('TABLE_NOT_FOUND');
    expect(missing.message).toBe('pre-flight failed: table public.nope does not exist');
    const cli = await runCli(['start', 'drop-table', '--table', 'nope'], db.url);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('table public.nope does not exist');

    // The state schema (created by the first migration) is recognized by its ledger tables.
    await ensureStateSchema(db.sql, { sql: db.sql, schema: 'online_migrate' });
    const leasesBefore = await catalogSnapshot(db.sql, 'online_migrate.leases');
    const ledger = await refusal(db, { op: 'drop-table', schema: 'online_migrate', table: 'leases', cascade: true });
    expect(ledger.code).toBe('STATE_TABLE');
    expect(ledger.message).toContain("online_migrate.leases belongs to online's state schema");
    expect(await catalogSnapshot(db.sql, 'online_migrate.leases')).toEqual(leasesBefore);
    expect(await snapshot()).toEqual(before);
  });

  it('with cascade: start changes nothing, rollback changes nothing, complete drops the table, its view and the foreign key to it, under writers', async () => {
    const spec = parseSpec({ operations: [{ op: 'drop-table', table: 'ticket_archive', cascade: true }] }, 'test');
    expect(spec.name).toBe('drop-table-ticket_archive');
    const plan = await planMigration({ databaseUrl: db.url, spec });
    expect(plan.contract.map((s) => s.description)).toEqual([
      'drop table public.ticket_archive cascade (also drops foreign key archive_notes_archive_id_fkey on table archive_notes, view archive_recent, ' +
        'foreign key ticket_archive_id_fkey on table ticket_archive, index ticket_archive_archived_at_idx, primary key ticket_archive_pkey on table ticket_archive)',
    ]);
    const ticketsBefore = (await db.sql<{ n: number }[]>`select count(*)::int as n from tickets where id <= ${rows}`)[0]?.n;
    const before = await snapshot();
    const events: OnlineEvent[] = [];
    const writers = startWriters(db.url, { writers: 3 });

    expect(await startMigration({ databaseUrl: db.url, spec, options, onEvent: (e) => events.push(e) })).toMatchObject({
      status: 'awaiting_contract',
    });
    expect(events).toContainEqual({
      type: 'warning',
      message:
        'dropping table public.ticket_archive with cascade also drops foreign key archive_notes_archive_id_fkey on table archive_notes, view archive_recent',
    });
    expect(await snapshot()).toEqual(before);
    expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    expect(await snapshot()).toEqual(before);

    await startMigration({ databaseUrl: db.url, spec, options });
    expect(await completeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
    await writers.waitForOperations(20);
    const traffic = await writers.stop();
    console.log(`drop-table: ${traffic.operations} writes, worst ${traffic.maxLatencyMs.toFixed(0)} ms`);
    expect(traffic.errors).toEqual([]);

    expect(await objects(db)).toEqual(before.objects.filter((o) => !/ticket_archive|archive_recent/.test(o)));
    expect(Object.keys((await catalogSnapshot(db.sql, 'archive_notes')).constraints)).toEqual(['archive_notes_pkey']);
    expect(await db.sql`select id, note from archive_notes`).toEqual([{ id: 1, note: 'kept' }]);
    expect(await catalogSnapshot(db.sql)).toEqual(before.tickets);
    expect((await db.sql<{ n: number }[]>`select count(*)::int as n from tickets where id <= ${rows}`)[0]?.n).toBe(ticketsBefore);
  });
});
