import { beforeAll, describe, expect, it } from 'vitest';
import {
  DataViolationError,
  NameTakenError,
  parseSpec,
  rollbackMigration,
  startMigration,
  type MigrationSpec,
  type OnlineEvent,
} from '../../src/index.js';
import { catalogSnapshot, type CatalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { lifecycleTest } from '../support/lifecycle-cases.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

const lockTimeoutMs = 1_000;
const options = { lockTimeoutMs };

interface IndexRow {
  readonly name: string;
  readonly oid: number;
  readonly valid: boolean;
  readonly unique: boolean;
  readonly definition: string;
}

/** Every index on the table, as pg_index has it. */
async function indexesOf(db: TestDatabase, table: string): Promise<IndexRow[]> {
  return db.sql<IndexRow[]>`
    select c.relname as name, c.oid::int as oid, x.indisvalid as valid, x.indisunique as unique, pg_get_indexdef(c.oid) as definition
    from pg_index x join pg_class c on c.oid = x.indexrelid
    where x.indrelid = ${table}::regclass order by c.relname`;
}

async function indexNamed(db: TestDatabase, table: string, name: string): Promise<IndexRow | undefined> {
  return (await indexesOf(db, table)).find((i) => i.name === name);
}

const createIndexSpec = (name: string, fields: Record<string, unknown>): MigrationSpec =>
  parseSpec({ name, operations: [{ op: 'create-index', table: 'tickets', ...fields }] }, 'test');

describe('create-index through the library, under concurrent writers', () => {
  const db = useTestDatabase('create_index');
  beforeAll(async () => {
    await createTickets(db.sql, 30_000);
  });

  lifecycleTest(db, {
    name: 'start → rollback → start → complete for a partial composite index, valid at each point and gone after rollback',
    spec: createIndexSpec('0003-open-tickets-by-status', {
      columns: ['status', 'created_at'],
      where: 'resolved_at is null',
      name: 'tickets_open_status_idx',
    }),
    options,
    seed: async (db) => ({
      before: await catalogSnapshot(db.sql),
      indexesBefore: await indexesOf(db, 'tickets'),
      oids: { built: 0, rebuilt: 0 },
    }),
    afterStart: async ({ db, events, state }) => {
      expect(events.filter((e) => e.type === 'step')).toMatchObject([{ phase: 'expand', skipped: false }]);
      const built = await indexNamed(db, 'tickets', 'tickets_open_status_idx');
      expect(built).toMatchObject({ valid: true, unique: false });
      expect(built?.definition).toBe(
        'CREATE INDEX tickets_open_status_idx ON public.tickets USING btree (status, created_at) WHERE (resolved_at IS NULL)',
      );
      state.oids.built = built?.oid ?? 0;
    },
    afterRollback: async ({ db, state }) => {
      expect(await indexesOf(db, 'tickets')).toEqual(state.indexesBefore);
      expect((await indexesOf(db, 'tickets')).filter((i) => !i.valid)).toEqual([]);
      expect(await catalogSnapshot(db.sql)).toEqual(state.before);
    },
    afterRestart: async ({ db, state }) => {
      const rebuilt = await indexNamed(db, 'tickets', 'tickets_open_status_idx');
      expect(rebuilt?.valid).toBe(true);
      expect(rebuilt?.oid).not.toBe(state.oids.built);
      state.oids.rebuilt = rebuilt?.oid ?? 0;
    },
    afterComplete: async ({ db, state }) => {
      const after = await indexesOf(db, 'tickets');
      expect(after.filter((i) => !i.valid)).toEqual([]);
      expect(after.find((i) => i.name === 'tickets_open_status_idx')).toMatchObject({ valid: true, oid: state.oids.rebuilt });
      // The planner can use it: the index answers the query it was built for.
      const plan = await db.sql.begin(async (tx) => {
        await tx`set local enable_seqscan = off`;
        return tx<{ 'QUERY PLAN': string }[]>`
          explain (costs off) select id from tickets where status = 'open' and resolved_at is null order by created_at limit 10`;
      });
      expect(plan.map((line) => line['QUERY PLAN']).join('\n')).toContain('tickets_open_status_idx');
      expect(await catalogSnapshot(db.sql)).toEqual(state.before);
    },
  });

  it('fails a unique index over duplicates with exit 1, the duplicate values and counts, and no invalid index left', async () => {
    await createTickets(db.sql, 5_000, 'tickets_dup');
    await db.sql`alter table tickets_dup add column ref text`;
    await db.sql`update tickets_dup set ref = 'T-' || id`;
    await db.sql`update tickets_dup set ref = 'T-1' where id in (2, 3)`;
    await db.sql`update tickets_dup set ref = 'T-10' where id = 11`;
    const before = await catalogSnapshot(db.sql, 'tickets_dup');
    const indexesBefore = await indexesOf(db, 'tickets_dup');
    const spec = parseSpec(
      { name: 'unique-ref', operations: [{ op: 'create-index', table: 'tickets_dup', columns: ['ref'], unique: true }] },
      'test',
    );
    const writers = startWriters(db.url, { table: 'tickets_dup', writers: 2 });

    const violation = await expectOnlineError(startMigration({ databaseUrl: db.url, spec, options }), DataViolationError, { exitCode: 1 });
    expect(violation.kind).toBe('duplicates');
    expect(violation.samples).toEqual([
      { k0: 'T-1', count: '3' },
      { k0: 'T-10', count: '2' },
    ]);
    expect(violation.message).toContain('(T-1, 3)');
    expect(await indexesOf(db, 'tickets_dup')).toEqual(indexesBefore);

    expect(await rollbackMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'rolled_back' });
    const traffic = await writers.stop();
    console.log(`unique over duplicates: ${traffic.operations} writes, worst latency ${traffic.maxLatencyMs.toFixed(0)} ms`);
    expect(traffic.errors).toEqual([]);
    expect(await catalogSnapshot(db.sql, 'tickets_dup')).toEqual(before);
    expect(await indexesOf(db, 'tickets_dup')).toEqual(indexesBefore);
  });

  it('keeps an existing valid index with the same definition (same oid)', async () => {
    await db.sql`create index tickets_escalated_idx on tickets (escalated)`;
    const existing = await indexNamed(db, 'tickets', 'tickets_escalated_idx');
    const events: OnlineEvent[] = [];
    const spec = createIndexSpec('index-escalated', { columns: ['escalated'] });
    const writers = startWriters(db.url, { writers: 2 });
    const result = await startMigration({
      databaseUrl: db.url,
      spec,
      options: { ...options, complete: true },
      onEvent: (e) => events.push(e),
    });
    const traffic = await writers.stop();
    expect(result).toMatchObject({ status: 'completed' });
    expect(events.filter((e) => e.type === 'step')).toMatchObject([{ phase: 'expand', skipped: true }]);
    expect(await indexNamed(db, 'tickets', 'tickets_escalated_idx')).toEqual(existing);
    expect(existing?.valid).toBe(true);
    expect(traffic.errors).toEqual([]);
  });

  // Known bug in src/operations/create-index.ts (reported): the plan's rollback always drops the index,
  // even one that start kept because it was there before (add-unique plans no rollback in that case).
  // Turn into `it` once fixed.
  it('rollback keeps an index that existed before the migration and that start kept', async () => {
    await db.sql`create index tickets_updated_at_idx on tickets (updated_at)`;
    const existing = await indexNamed(db, 'tickets', 'tickets_updated_at_idx');
    const spec = createIndexSpec('index-updated-at', { columns: ['updated_at'] });
    const writers = startWriters(db.url, { writers: 2 });
    await startMigration({ databaseUrl: db.url, spec, options });
    expect(await indexNamed(db, 'tickets', 'tickets_updated_at_idx')).toEqual(existing);
    await rollbackMigration({ databaseUrl: db.url, migration: spec.name });
    expect((await writers.stop()).errors).toEqual([]);
    expect(await indexNamed(db, 'tickets', 'tickets_updated_at_idx')).toEqual(existing);
  });

  it('refuses in pre-flight an index of the same name on another table (exit 2, NAME_TAKEN), changing nothing', async () => {
    await db.sql`create table tickets_archive (resolved_at timestamptz)`;
    await db.sql`create index tickets_resolved_at_idx on tickets_archive (resolved_at)`;
    const indexesBefore = await indexesOf(db, 'tickets');
    const archiveBefore = await indexesOf(db, 'tickets_archive');
    const spec = createIndexSpec('index-resolved-at', { columns: ['resolved_at'] });
    await expectOnlineError(startMigration({ databaseUrl: db.url, spec, options: { ...options, complete: true } }), NameTakenError, {
      exitCode: 2,
      message: 'already exists on public.tickets_archive',
    });
    expect(await indexesOf(db, 'tickets')).toEqual(indexesBefore);
    expect(await indexesOf(db, 'tickets_archive')).toEqual(archiveBefore);
  });

  it('refuses in pre-flight an index of the same name with another definition (exit 2, NAME_TAKEN), changing nothing', async () => {
    await db.sql`create index tickets_title_idx on tickets (title)`;
    const indexesBefore = await indexesOf(db, 'tickets');
    const [{ migrations: ledgerBefore } = { migrations: 0 }] = await db.sql<
      { migrations: number }[]
    >`select count(*)::int as migrations from online_migrate.migrations`;
    const spec = createIndexSpec('index-title-lower', { expressions: ['lower(title)'], name: 'tickets_title_idx' });
    await expectOnlineError(startMigration({ databaseUrl: db.url, spec, options }), NameTakenError, {
      exitCode: 2,
      code: 'NAME_TAKEN',
      message: 'USING btree (title)',
    });
    expect(await indexesOf(db, 'tickets')).toEqual(indexesBefore);
    const [{ migrations: ledgerAfter } = { migrations: -1 }] = await db.sql<
      { migrations: number }[]
    >`select count(*)::int as migrations from online_migrate.migrations`;
    expect(ledgerAfter).toBe(ledgerBefore);
  });

  it('drops and rebuilds an INVALID leftover of the same name, leaving exactly one valid index', async () => {
    await createTickets(db.sql, 5_000, 'tickets_leftover');
    await db.sql`alter table tickets_leftover add column ref text`;
    await db.sql`update tickets_leftover set ref = 'T-' || (id % 4000)`;
    await expect(
      db.sql.unsafe(`create unique index concurrently tickets_leftover_ref_idx on tickets_leftover (ref)`),
    ).rejects.toMatchObject({
      code: '23505',
    });
    const leftover = await indexNamed(db, 'tickets_leftover', 'tickets_leftover_ref_idx');
    expect(leftover).toMatchObject({ valid: false, unique: true });

    const events: OnlineEvent[] = [];
    const spec = parseSpec(
      { name: 'index-leftover-ref', operations: [{ op: 'create-index', table: 'tickets_leftover', columns: ['ref'] }] },
      'test',
    );
    const writers = startWriters(db.url, { table: 'tickets_leftover', writers: 2 });
    await startMigration({ databaseUrl: db.url, spec, options: { ...options, complete: true }, onEvent: (e) => events.push(e) });
    const traffic = await writers.stop();
    console.log(`invalid leftover rebuilt: ${traffic.operations} writes, worst latency ${traffic.maxLatencyMs.toFixed(0)} ms`);
    expect(traffic.errors).toEqual([]);

    expect(events).toContainEqual({ type: 'warning', message: expect.stringContaining('tickets_leftover_ref_idx is INVALID') as unknown });
    const named = (await indexesOf(db, 'tickets_leftover')).filter((i) => i.name === 'tickets_leftover_ref_idx');
    expect(named).toHaveLength(1);
    expect(named[0]).toMatchObject({ valid: true, unique: false });
    expect(named[0]?.oid).not.toBe(leftover?.oid);
    expect((await indexesOf(db, 'tickets_leftover')).filter((i) => !i.valid)).toEqual([]);
  });
});

describe('create-index bad input through the CLI exits 2 and changes nothing', () => {
  const db = useTestDatabase('create_index_bad');
  let before: CatalogSnapshot;
  let indexesBefore: IndexRow[];
  beforeAll(async () => {
    await createTickets(db.sql, 100);
    before = await catalogSnapshot(db.sql);
    indexesBefore = await indexesOf(db, 'tickets');
  });

  const createIndexArgs = (...extra: string[]) => ['start', 'create-index', '--table', 'tickets', ...extra];

  it.each([
    [
      'an unknown column',
      createIndexArgs('--columns', 'status,nope'),
      /pre-flight failed: the index does not build: column "nope" does not exist/,
    ],
    [
      'an unknown index method',
      createIndexArgs('--columns', 'status', '--using', 'foo'),
      /--using: Invalid option: expected one of "btree"\|"hash"/,
    ],
    ['a name over 63 bytes', createIndexArgs('--columns', 'status', '--name', 'i'.repeat(64)), /--name: must be at most 63 bytes/],
    [
      'an expression that does not compile',
      createIndexArgs('--expression', 'lower(nope)'),
      /the index does not build: column "nope" does not exist/,
    ],
    ['an expression with the wrong type', createIndexArgs('--expression', 'lower(escalated)'), /function lower\(boolean\) does not exist/],
    [
      'an expression that tries to escape',
      createIndexArgs('--expression', 'lower(x)); drop table tickets; --'),
      /pre-flight failed: expressions\[0\] must be exactly one expression: comments are not allowed in it/,
    ],
    [
      'a WHERE that tries to escape',
      createIndexArgs('--columns', 'status', '--where', 'true) include (title'),
      /pre-flight failed: where must be exactly one expression: it does not parse: syntax error at or near "\)" \(an unbalanced "\)"\)/,
    ],
    ['an unknown INCLUDE column', createIndexArgs('--columns', 'status', '--include', 'nope'), /column "nope" does not exist/],
  ])('%s', async (_case, args, message) => {
    const result = await runCli(args, db.url);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(await catalogSnapshot(db.sql)).toEqual(before);
    expect(await indexesOf(db, 'tickets')).toEqual(indexesBefore);
    const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    expect(state?.exists).toBe(false);
    const [table] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets`;
    expect(table?.n).toBe(100);
  });
});
