import { beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/index.js';
import { catalogSnapshot, databaseSnapshot } from '../support/catalog-snapshot.js';
import { expectCalmTraffic, startWriters } from '../support/concurrent-writers.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

const rows = 5_000;

/** The table as a user sees it: columns, constraints, triggers, indexes, and the seeded rows' descriptions. */
async function tableShape(db: TestDatabase): Promise<unknown> {
  const indexes = await db.sql<{ name: string; definition: string }[]>`
    select indexname as name, indexdef as definition from pg_indexes where tablename = 'tickets' order by 1`;
  const [data] = await db.sql<{ digest: string }[]>`
    select md5(string_agg(id || ':' || coalesce(to_jsonb(t) ->> 'description', '∅'), ',' order by id)) as digest
      from tickets t where id <= ${rows}`;
  return { catalog: await catalogSnapshot(db.sql), indexes: [...indexes], data: data?.digest };
}

async function cli(db: TestDatabase, args: readonly string[]): Promise<string> {
  const result = await runCli(args, db.url);
  expect(result, result.stderr).toMatchObject({ code: 0 });
  return result.stdout;
}

async function historyOf(db: TestDatabase): Promise<Map<string, HistoryEntry>> {
  const { migrations } = JSON.parse(await cli(db, ['history', '--json'])) as { migrations: HistoryEntry[] };
  return new Map(migrations.map((m) => [m.name, m]));
}

describe('online revert', () => {
  const db = useTestDatabase('revert');
  beforeAll(async () => {
    await createTickets(db.sql, rows);
    await db.sql`update tickets set description = 'about ticket ' || id where id % 3 = 0`;
  });

  // The application writes tickets (title, status, escalated) throughout: it never uses the column,
  // index or name the migration adds and the revert takes away.
  it.each([
    {
      forward: ['add-column', '--table', 'tickets', '--column', 'priority', '--type', 'text', '--default', "'normal'", '--not-null'],
      migration: 'add-column-tickets-priority',
    },
    {
      forward: ['create-index', '--table', 'tickets', '--columns', 'status,created_at'],
      migration: 'create-index-tickets-tickets_status_created_at_idx',
    },
    {
      forward: ['rename-column', '--table', 'tickets', '--column', 'description', '--to', 'details'],
      migration: 'rename-column-tickets-description-to-details',
    },
    {
      forward: ['change-type', '--table', 'tickets', '--column', 'description', '--type', 'varchar(200)'],
      migration: 'change-type-tickets-description',
    },
  ])(
    '$migration: start --complete, then revert --complete under writers, back to the original schema and rows',
    async ({ forward, migration }) => {
      const before = await tableShape(db);
      const writers = startWriters(db.url, { writers: 2 });
      await cli(db, ['start', ...forward, '--complete']);
      expect(await tableShape(db)).not.toEqual(before);
      const done = await cli(db, ['revert', migration, '--complete']);
      expect(done).toContain(`✓ ${migration} reverted by revert-${migration}`);
      await expectCalmTraffic(`revert ${migration}`, writers);
      expect(await tableShape(db)).toEqual(before);

      const history = await historyOf(db);
      expect(history.get(migration)).toMatchObject({ status: 'completed', reverts: null, revertedBy: `revert-${migration}` });
      expect(history.get(`revert-${migration}`)).toMatchObject({ status: 'completed', reverts: migration, revertedBy: null });
      expect(await cli(db, ['history'])).toContain(`revert-${migration}: completed, reverts ${migration} (`);

      const again = await runCli(['revert', migration], db.url);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`migration "${migration}" is already reverted (by revert-${migration}); nothing to do`);
    },
    severalCliRuns.timeout,
  );

  it(
    'drops the constraint of add-foreign-key in contract under writers; a constraint dropped meanwhile refuses (exit 2)',
    severalCliRuns,
    async () => {
      await db.sql`create table agents (id bigint primary key)`;
      await db.sql`alter table tickets add column agent_id bigint`;
      const before = await tableShape(db);
      const writers = startWriters(db.url, { writers: 2 });
      await cli(db, [
        ...['start', 'add-foreign-key', '--table', 'tickets', '--columns', 'agent_id'],
        ...['--references-table', 'agents', '--references-columns', 'id', '--complete'],
      ]);
      expect(await tableShape(db)).not.toEqual(before);
      await cli(db, ['revert', 'add-foreign-key-tickets-tickets_agent_id_fkey', '--complete']);
      await expectCalmTraffic('revert add-foreign-key', writers);
      expect(await tableShape(db)).toEqual(before);

      await cli(db, ['start', 'add-check', '--table', 'tickets', '--check', 'length(title) > 0', '--name', 'title_present', '--complete']);
      await db.sql`alter table tickets drop constraint title_present`;
      const unchanged = await databaseSnapshot(db.sql);
      const drifted = await runCli(['revert', 'add-check-tickets-title_present'], db.url);
      expect(drifted.code).toBe(2);
      expect(drifted.stderr).toContain('constraint title_present does not exist on public.tickets; the schema has changed since');
      expect(await databaseSnapshot(db.sql)).toEqual(unchanged);
    },
  );

  it(
    '--dry-run prints the inverse plan and changes nothing; without --complete the revert waits for contract',
    severalCliRuns,
    async () => {
      await cli(db, ['start', 'add-column', '--table', 'tickets', '--column', 'channel', '--type', 'text', '--complete']);
      const before = await databaseSnapshot(db.sql);
      const plan = await cli(db, ['revert', 'add-column-tickets-channel', '--dry-run']);
      expect(plan).toContain('alter table "public"."tickets" drop column if exists "channel"');
      const json = JSON.parse(await cli(db, ['revert', 'add-column-tickets-channel', '--dry-run', '--json'])) as Record<string, unknown>;
      expect(json).toMatchObject({
        migration: 'revert-add-column-tickets-channel',
        reverts: 'add-column-tickets-channel',
        dryRun: true,
        spec: { operations: [{ op: 'drop-column', table: 'tickets', column: 'channel' }] },
      });
      expect(await databaseSnapshot(db.sql)).toEqual(before);

      expect(await cli(db, ['revert', 'add-column-tickets-channel'])).toContain(
        '✓ revert-add-column-tickets-channel expanded and backfilled; run `online complete revert-add-column-tickets-channel` to finish reverting add-column-tickets-channel',
      );
      expect((await catalogSnapshot(db.sql)).columns).toHaveProperty('channel');
      const status = await cli(db, ['status', 'revert-add-column-tickets-channel']);
      expect(status).toContain('reverts add-column-tickets-channel');
      const pending = await runCli(['revert', 'add-column-tickets-channel'], db.url);
      expect(pending.code).toBe(2);
      expect(pending.stderr).toContain(
        'migration "add-column-tickets-channel" is being reverted by revert-add-column-tickets-channel (status awaiting_contract); run `online complete revert-add-column-tickets-channel`',
      );
      await cli(db, ['complete', 'revert-add-column-tickets-channel']);
      expect((await catalogSnapshot(db.sql)).columns).not.toHaveProperty('channel');
      expect((await historyOf(db)).get('add-column-tickets-channel')).toMatchObject({ revertedBy: 'revert-add-column-tickets-channel' });
    },
  );

  it(
    '--dry-run makes every check the revert makes: its flags, the throttle query, a table held by another migration',
    severalCliRuns,
    async () => {
      await cli(db, ['start', 'add-column', '--table', 'tickets', '--column', 'origin', '--type', 'text', '--complete']);
      const revert = ['revert', 'add-column-tickets-origin'];
      const refusals: [readonly string[], RegExp][] = [
        [['--window', '25:00-26:00'], /--window/],
        [['--timezone', 'Mars/X'], /--timezone/],
        [['--lock-timeout', '1'], /--lock-timeout/],
        [['--throttle-query', 'delete from tickets'], /--throttle-query/],
      ];
      const before = await databaseSnapshot(db.sql);
      for (const [flags, message] of refusals) {
        for (const dryRun of [['--dry-run'], []]) {
          const result = await runCli([...revert, ...dryRun, ...flags], db.url);
          expect({ args: [...dryRun, ...flags], code: result.code }).toEqual({ args: [...dryRun, ...flags], code: 2 });
          expect(result.stderr).toMatch(message);
        }
      }
      expect(await databaseSnapshot(db.sql)).toEqual(before);

      await cli(db, ['start', 'add-column', '--table', 'tickets', '--column', 'route', '--type', 'text']);
      const held = await runCli([...revert, '--dry-run'], db.url);
      expect(held.code).toBe(2);
      expect(held.stderr).toContain('add-column-tickets-route');
      await cli(db, ['rollback', 'add-column-tickets-route']);
      expect(await cli(db, [...revert, '--dry-run'])).toContain('drop column if exists "origin"');
    },
  );

  it('refuses a migration with no safe inverse (drop-column) with exit 2, changing nothing', severalCliRuns, async () => {
    await db.sql`alter table tickets add column legacy_flag boolean`;
    await cli(db, ['start', 'drop-column', '--table', 'tickets', '--column', 'legacy_flag', '--complete']);
    const before = await databaseSnapshot(db.sql);
    const result = await runCli(['revert', 'drop-column-tickets-legacy_flag', '--complete'], db.url);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'cannot revert "drop-column-tickets-legacy_flag": drop-column of tickets.legacy_flag has no safe inverse: the column and its data are gone; nothing was changed',
    );
    expect(await databaseSnapshot(db.sql)).toEqual(before);
  });

  it('refuses a migration not completed, pointing to rollback', severalCliRuns, async () => {
    await cli(db, ['start', 'add-column', '--table', 'tickets', '--column', 'team', '--type', 'text']);
    const before = await databaseSnapshot(db.sql);
    const result = await runCli(['revert', 'add-column-tickets-team'], db.url);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'migration "add-column-tickets-team" is not completed (status awaiting_contract); revert undoes a completed migration: run `online rollback add-column-tickets-team` to undo it',
    );
    expect(await databaseSnapshot(db.sql)).toEqual(before);
    await cli(db, ['rollback', 'add-column-tickets-team']);
  });

  it('refuses when the schema drifted so the inverse cannot apply (pre-flight of the inverse)', severalCliRuns, async () => {
    await cli(db, ['start', 'create-index', '--table', 'tickets', '--columns', 'escalated', '--name', 'tickets_escalated', '--complete']);
    await db.sql`drop index tickets_escalated`;
    const before = await databaseSnapshot(db.sql);
    const result = await runCli(['revert', 'create-index-tickets-tickets_escalated'], db.url);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('index public.tickets_escalated does not exist');
    expect(await databaseSnapshot(db.sql)).toEqual(before);
  });

  it('reverts create-table only while the table is empty', severalCliRuns, async () => {
    await cli(db, ['start', 'create-table', '--table', 'notes', '--columns', 'id bigint, body text', '--primary-key', 'id', '--complete']);
    await db.sql`insert into notes values (1, 'keep me')`;
    const before = await databaseSnapshot(db.sql);
    const refused = await runCli(['revert', 'create-table-notes', '--complete'], db.url);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('public.notes has rows; reverting its create-table would drop them');
    expect(await databaseSnapshot(db.sql)).toEqual(before);
    await db.sql`delete from notes`;
    expect(await cli(db, ['revert', 'create-table-notes'])).toContain('run `online complete revert-create-table-notes`');
    // A row written after the revert started: contract checks again, just before the drop, and fails (exit 1, resumable).
    await db.sql`insert into notes values (2, 'written meanwhile')`;
    const guarded = await runCli(['complete', 'revert-create-table-notes'], db.url);
    expect(guarded.code).toBe(1);
    expect(guarded.stderr).toContain('the table has rows: reverting its create-table would drop them');
    expect(await db.sql`select id::int from notes`).toEqual([{ id: 2 }]);
    await db.sql`delete from notes`;
    await cli(db, ['complete', 'revert-create-table-notes']);
    const [found] = await db.sql<{ exists: boolean }[]>`select to_regclass('public.notes') is not null as exists`;
    expect(found?.exists).toBe(false);
  });
});
