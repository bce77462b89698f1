import { beforeAll, describe, expect, it } from 'vitest';
import { completeMigration, parseSpec, rollbackMigration, startMigration } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriterLoops, startWriters, type ConcurrentWriters } from '../support/concurrent-writers.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

/** The new application version: writes tickets through the new column name only. */
const startNewNameWriters = (url: string): ConcurrentWriters =>
  startWriterLoops(url, 2, (sql, n, i) =>
    i % 2 === 0
      ? sql`insert into tickets (title, state) values (${`new app ${n} ${i}`}, 'pending')`
      : sql`update tickets set state = 'closed' where id = (select floor(random() * 20000)::bigint + 1)`,
  );

describe('rename-column', () => {
  const db = useTestDatabase('rename_column');
  beforeAll(async () => {
    await createTickets(db.sql, 20_000);
    await db.sql.unsafe(`
      create index tickets_status_idx on tickets (status, created_at) where status <> 'closed';
      alter table tickets add constraint tickets_status_check check (status in ('open', 'in_progress', 'pending', 'resolved', 'closed'));`);
  });

  it('both names work during the migration, under old-app then new-app writers; after contract only the new one exists', async () => {
    const before = await catalogSnapshot(db.sql);
    const spec = parseSpec({ operations: [{ op: 'rename-column', table: 'tickets', column: 'status', to: 'state' }] }, 'test');
    const options = { batchSize: 1_000, minBatchSize: 1_000, maxBatchSize: 1_000 };
    const oldApp = startWriters(db.url, { writers: 3 });
    expect(await startMigration({ databaseUrl: db.url, spec, options })).toMatchObject({ status: 'awaiting_contract' });
    await rollbackMigration({ databaseUrl: db.url, migration: spec.name });
    expect(await catalogSnapshot(db.sql)).toEqual(before);
    expect(await startMigration({ databaseUrl: db.url, spec, options })).toMatchObject({ status: 'awaiting_contract' });

    // Writes through either name show under the other. In one transaction: the writers update random
    // rows, and must not touch these four between the writes and the read (the updated rows stay locked,
    // the inserted ones invisible to them, until commit).
    const { viaOld, viaNew, seen } = await db.sql.begin(async (tx) => {
      await tx`update tickets set status = 'closed' where id = 1`;
      await tx`update tickets set state = 'pending' where id = 2`;
      const [old] = await tx<
        { id: string }[]
      >`insert into tickets (title, status) values ('old app', 'in_progress') returning id::text as id`;
      const [renamed] = await tx<
        { id: string }[]
      >`insert into tickets (title, state) values ('new app', 'resolved') returning id::text as id`;
      const rows = await tx<{ id: string; status: string; state: string }[]>`
        select id::text as id, status, state from tickets where id in (1, 2, ${old?.id ?? '0'}, ${renamed?.id ?? '0'}) order by id`;
      return { viaOld: old, viaNew: renamed, seen: [...rows] };
    });
    expect(seen).toEqual([
      { id: '1', status: 'closed', state: 'closed' },
      { id: '2', status: 'pending', state: 'pending' },
      { id: viaOld?.id, status: 'in_progress', state: 'in_progress' },
      { id: viaNew?.id, status: 'resolved', state: 'resolved' },
    ]);
    const [drift] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets where state is distinct from status`;
    expect(drift?.n).toBe(0);

    // The new application version is deployed before contract.
    const oldTraffic = await oldApp.stop();
    const newApp = startNewNameWriters(db.url);
    expect(await completeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
    // The new application writes after contract too.
    await newApp.waitForOperations(10);
    const newTraffic = await newApp.stop();
    console.log(`rename-column: ${oldTraffic.operations} old-name writes, ${newTraffic.operations} new-name writes`);
    expect(oldTraffic.errors).toEqual([]);
    expect(newTraffic.errors).toEqual([]);

    const after = await catalogSnapshot(db.sql);
    expect(Object.keys(after.columns)).not.toContain('status');
    expect(after.columns.state).toEqual({ type: 'text', notNull: true, default: "'open'::text" });
    expect(after.triggers).toEqual([]);
    expect(after.onlineFunctions).toEqual([]);
    const [check] = await db.sql<
      { def: string }[]
    >`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'tickets_status_check'`;
    expect(check?.def).toMatch(/^CHECK \(\(state = ANY \(ARRAY\['open'::text/);
    const [index] = await db.sql<{ def: string }[]>`select pg_get_indexdef('tickets_status_idx'::regclass) as def`;
    expect(index?.def).toBe(
      "CREATE INDEX tickets_status_idx ON public.tickets USING btree (state, created_at) WHERE (state <> 'closed'::text)",
    );
    const [fresh] = await db.sql<{ state: string }[]>`insert into tickets (title) values ('after') returning state`;
    expect(fresh?.state).toBe('open');
  });

  it('refuses renaming onto an existing column and renaming a missing one (exit 2, nothing changed)', async () => {
    const before = await catalogSnapshot(db.sql);
    const onto = await runCli(['start', 'rename-column', '--table', 'tickets', '--column', 'title', '--to', 'description'], db.url);
    expect(onto.code).toBe(2);
    expect(onto.stderr).toMatch(/column description already exists on public\.tickets/);
    const missing = await runCli(['start', 'rename-column', '--table', 'tickets', '--column', 'nope', '--to', 'other'], db.url);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/column nope does not exist on public\.tickets/);
    expect(await catalogSnapshot(db.sql)).toEqual(before);
  });

  it('--instant renames in contract with one catalog-only statement', async () => {
    await createTickets(db.sql, 2_000, 'tickets_instant');
    const writers = startWriters(db.url, { writers: 2, table: 'tickets_instant' });
    const started = await runCli(
      ['start', 'rename-column', '--table', 'tickets_instant', '--column', 'description', '--to', 'body', '--instant', '--json'],
      db.url,
    );
    expect(started.code).toBe(0);
    expect(Object.keys((await catalogSnapshot(db.sql, 'tickets_instant')).columns)).toContain('description');
    const completed = await runCli(['complete', 'rename-column-tickets_instant-description-to-body'], db.url);
    expect(completed.code).toBe(0);
    const traffic = await writers.stop();
    expect(traffic.errors).toEqual([]);
    const columns = Object.keys((await catalogSnapshot(db.sql, 'tickets_instant')).columns);
    expect(columns).toContain('body');
    expect(columns).not.toContain('description');
  });
});
