// backfill, the data migration: lifecycle under writers, the verify query at complete, which rows need
// work for a non-immutable expression, the resolution-time example, and bad input refused with exit 2.
// The writers of test/support set resolved_at together with status = 'resolved', so the data fix used
// here (closed tickets missing resolved_at) is one they already write correctly, as a deployed
// application must.
import type postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DataViolationError,
  completeMigration,
  loadSpecFile,
  migrationStatus,
  parseSpec,
  planMigration,
  startMigration,
} from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { expectCalmTraffic, startWriters } from '../support/concurrent-writers.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { lifecycleTest } from '../support/lifecycle-cases.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, examplePath, loadExampleTickets } from '../support/tickets-fixture.js';

const options = { lockTimeoutMs: 1_000, batchSize: 500, minBatchSize: 500, maxBatchSize: 500, pauseMs: 5 };

/** Closed and resolved tickets of `table` that still have no resolved_at. */
async function unresolved(sql: postgres.Sql, table: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from ${sql(table)} where status in ('resolved', 'closed') and resolved_at is null`;
  return row?.n ?? -1;
}

async function rowsDone(sql: postgres.Sql, migration: string): Promise<number> {
  const [row] = await sql<
    { n: number }[]
  >`select coalesce(sum(rows_done), 0)::int as n from online_migrate.backfill_cursors where migration = ${migration}`;
  return row?.n ?? -1;
}

function resolvedAtFix(table: string, verify?: string): ReturnType<typeof parseSpec> {
  return parseSpec(
    {
      operations: [
        {
          op: 'backfill',
          table,
          set: { resolved_at: 'updated_at' },
          where: "status IN ('resolved', 'closed') AND resolved_at IS NULL",
          verify,
        },
      ],
    },
    'test',
  );
}

describe('backfill', () => {
  const db = useTestDatabase('backfill_op');

  lifecycleTest(db, {
    name: 'start → rollback → start → complete under writers; rollback keeps the new values; the catalog never changes',
    spec: resolvedAtFix('tickets_fix', 'select id, created_at, resolved_at from tickets_fix where resolved_at < created_at'),
    options,
    writers: { table: 'tickets_fix', writers: 3 },
    seed: async (db, spec) => {
      await createTickets(db.sql, 20_000, 'tickets_fix');
      await db.sql`update tickets_fix set resolved_at = null where status = 'closed' and id % 2 = 0`;
      expect(await unresolved(db.sql, 'tickets_fix')).toBe(2_000);
      expect(spec.name).toBe('backfill-tickets_fix-resolved_at');
      return { before: await catalogSnapshot(db.sql, 'tickets_fix') };
    },
    afterStart: async ({ db, spec, events, state }) => {
      expect(events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message)).toEqual([
        'backfill of public.tickets_fix: no trigger keeps rows written during the run consistent; the application must already write the new values',
        'backfill of public.tickets_fix: rollback does not restore the old values',
      ]);
      expect(events.filter((e) => e.type === 'batch').length).toBeGreaterThan(10);
      expect(await unresolved(db.sql, 'tickets_fix')).toBe(0);
      // Writers resolving a damaged ticket first fix it themselves; the batches only count the rest.
      const first = await rowsDone(db.sql, spec.name);
      expect(first).toBeGreaterThan(1_500);
      expect(first).toBeLessThanOrEqual(2_000);
      expect(await catalogSnapshot(db.sql, 'tickets_fix')).toEqual(state.before);
    },
    afterRollback: async ({ db }) => {
      expect(await unresolved(db.sql, 'tickets_fix')).toBe(0);
      await db.sql`update tickets_fix set resolved_at = null where status = 'closed' and id % 2 = 1 and id <= 20000`;
    },
    afterRestart: async ({ db }) => {
      expect(await unresolved(db.sql, 'tickets_fix')).toBe(0);
    },
    afterComplete: async ({ db, state }) => {
      expect(await catalogSnapshot(db.sql, 'tickets_fix')).toEqual(state.before);
      expect(await unresolved(db.sql, 'tickets_fix')).toBe(0);
      const [damaged] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets_fix where resolved_at < created_at`;
      expect(damaged?.n).toBe(0);
    },
  });

  it('a verify query that returns rows fails complete with exit 1 and samples, switching nothing; complete succeeds once the data is fixed', async () => {
    await createTickets(db.sql, 5_000, 'tickets_verify');
    await db.sql`update tickets_verify set resolved_at = null where status = 'closed' and id % 2 = 0`;
    // Three tickets "created" tomorrow: resolved before they were created, whatever the writers do.
    await db.sql`update tickets_verify set created_at = now() + interval '1 day' where id in (8, 43, 4999)`;
    // The sample shows id and title: the writers change status and resolved_at of random rows, never a title.
    const verify = 'select id, title from tickets_verify where resolved_at < created_at order by id';
    const spec = resolvedAtFix('tickets_verify', verify);
    const before = await catalogSnapshot(db.sql, 'tickets_verify');
    const writers = startWriters(db.url, { table: 'tickets_verify', writers: 2 });

    expect(await startMigration({ databaseUrl: db.url, spec, options })).toMatchObject({ status: 'awaiting_contract' });
    expect(await unresolved(db.sql, 'tickets_verify')).toBe(0);

    const refused = await runCli(['complete', spec.name], db.url);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'the table has rows the verify query returned, e.g. (8, ticket 8), (43, ticket 43), (4999, ticket 4999)',
    );
    const failure = await expectOnlineError(completeMigration({ databaseUrl: db.url, migration: spec.name }), DataViolationError, {
      exitCode: 1,
    });
    expect(failure).toMatchObject({
      kind: 'unverified',
      exitCode: 1,
      samples: [
        { id: '8', title: 'ticket 8' },
        { id: '43', title: 'ticket 43' },
        { id: '4999', title: 'ticket 4999' },
      ],
    });
    const [failed] = await migrationStatus({ databaseUrl: db.url, migration: spec.name });
    expect(failed).toMatchObject({ state: 'failed', phase: 'contract' });
    const [steps] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from online_migrate.steps where migration = ${spec.name} and phase = 'contract'`;
    expect(steps?.n).toBe(0);
    expect(await catalogSnapshot(db.sql, 'tickets_verify')).toEqual(before);

    // Created an hour before both their resolution and now, so a writer that resolves one again (at now())
    // cannot make it look resolved before it was created.
    await db.sql`update tickets_verify set created_at = least(resolved_at, now()) - interval '1 hour' where id in (8, 43, 4999)`;
    const completed = await runCli(['complete', spec.name], db.url);
    expect(completed.stderr).toBe('');
    expect(completed.code).toBe(0);
    expect(await migrationStatus({ databaseUrl: db.url, migration: spec.name })).toMatchObject([{ state: 'completed' }]);
    await expectCalmTraffic('backfill verify', writers);
    expect(await unresolved(db.sql, 'tickets_verify')).toBe(0);
  });

  it('a volatile expression with where: the distinct test is left out, so nextval() is drawn once per row', async () => {
    await createTickets(db.sql, 5_000, 'tickets_ref');
    await db.sql`create sequence ticket_ref_seq`;
    await db.sql`alter table tickets_ref add column ref bigint`;
    // The deployed application numbers new tickets itself (here through the default).
    await db.sql`alter table tickets_ref alter column ref set default nextval('ticket_ref_seq')`;
    const spec = parseSpec(
      { operations: [{ op: 'backfill', table: 'tickets_ref', set: { ref: "nextval('ticket_ref_seq')" }, where: 'ref IS NULL' }] },
      'test',
    );
    const plan = await planMigration({ databaseUrl: db.url, spec });
    expect(plan.backfill[0]?.needsWork).toBe('(ref IS NULL)');
    // Inserts only: no row lock is ever contended, so no batch is retried (a retried batch would waste sequence values).
    const writers = startWriters(db.url, { table: 'tickets_ref', writers: 2, updates: false });
    await startMigration({ databaseUrl: db.url, spec, options: { ...options, complete: true } });
    await expectCalmTraffic('backfill nextval', writers);
    const [refs] = await db.sql<{ rows: number; distinct: number; max: number; nulls: number }[]>`
      select count(*)::int as rows, count(distinct ref)::int as distinct, max(ref)::int as max, count(*) filter (where ref is null)::int as nulls from tickets_ref`;
    expect(refs?.nulls).toBe(0);
    expect(refs?.distinct).toBe(refs?.rows);
    expect(refs?.max).toBe(refs?.rows);
    expect(await rowsDone(db.sql, spec.name)).toBe(5_000);
  });
});

describe('examples/backfill-resolution-time.yaml after examples/add-resolution-time.yaml, on examples/tickets.sql', () => {
  const db = useTestDatabase('backfill_resolution_time');
  beforeAll(async () => {
    await loadExampleTickets(db.sql);
  });

  it('rewrites only the missing and stale values, under writers', async () => {
    const addColumn = await loadSpecFile(examplePath('add-resolution-time.yaml'));
    await startMigration({ databaseUrl: db.url, spec: addColumn, options: { batchSize: 5_000, complete: true } });
    const expression = 'extract(epoch from (resolved_at - created_at))::integer';

    // Between that contract (its fill trigger gone) and the deploy: tickets resolved again, and newly resolved.
    await db.sql`update tickets set resolved_at = resolved_at + interval '1 hour' where id % 50 = 3`;
    await db.sql`update tickets set status = 'resolved', resolved_at = created_at + interval '30 minutes' where id % 50 = 1`;
    const [drift] = await db.sql<{ n: number; resolved: number }[]>`
      select count(*) filter (where resolution_time_seconds is distinct from (${db.sql.unsafe(expression)}))::int as n,
             count(*) filter (where resolved_at is not null)::int as resolved from tickets`;
    expect(drift?.n).toBe(4_000);
    // The deployed application computes the column on every write; a trigger stands in for it here.
    await db.sql.unsafe(`create function app_resolution_time() returns trigger language plpgsql as $$
      begin new.resolution_time_seconds := extract(epoch from (new.resolved_at - new.created_at))::integer; return new; end $$`);
    await db.sql`create trigger app_resolution_time before insert or update on tickets for each row execute function app_resolution_time()`;

    const spec = await loadSpecFile(examplePath('backfill-resolution-time.yaml'));
    expect(spec.name).toBe('backfill-resolution-time');
    const plan = await planMigration({ databaseUrl: db.url, spec });
    expect(plan.backfill[0]?.needsWork).toBe(
      `(resolved_at IS NOT NULL) and case when (resolved_at IS NOT NULL) then "resolution_time_seconds" is distinct from (${expression})::integer else false end`,
    );
    const writers = startWriters(db.url, { writers: 2 });
    await startMigration({ databaseUrl: db.url, spec, options: { batchSize: 5_000, complete: true } });
    await expectCalmTraffic('backfill resolution time', writers);

    const [wrong] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from tickets where resolution_time_seconds is distinct from (${db.sql.unsafe(expression)})`;
    expect(wrong?.n).toBe(0);
    // Only the drifted rows were rewritten (a writer may have fixed a few first), not the ~40,000 other resolved tickets.
    const done = await rowsDone(db.sql, spec.name);
    expect(done).toBeGreaterThan(3_500);
    expect(done).toBeLessThanOrEqual(4_000);
    expect(drift?.resolved).toBeGreaterThan(40_000);
  });
});

describe('backfill bad input fails pre-flight with exit 2 and changes nothing', () => {
  const db = useTestDatabase('backfill_bad');
  const contents = async (): Promise<string | null | undefined> =>
    (await db.sql<{ h: string | null }[]>`select md5(string_agg(t::text, ',' order by id)) as h from tickets t`)[0]?.h;
  beforeAll(async () => {
    await createTickets(db.sql, 200);
    await db.sql`alter table tickets add column title_length int generated always as (length(title)) stored`;
    await db.sql`create table codes (code text primary key, label text)`;
  });

  it('the CLI shorthand with --dry-run prints the batches, the verify step and the warnings, and changes nothing', async () => {
    const before = [await catalogSnapshot(db.sql, 'tickets'), await contents()];
    const result = await runCli(
      [
        'start',
        'backfill',
        '--table',
        'tickets',
        '--set',
        'status=upper(tickets.status)',
        '--where',
        'status <> upper(status)',
        '--verify',
        'select id from tickets where status <> upper(status)',
        '--dry-run',
      ],
      db.url,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '-- WARNING: backfill of public.tickets: no trigger keeps rows written during the run consistent; the application must already write the new values',
    );
    expect(result.stdout).toContain('-- WARNING: backfill of public.tickets: rollback does not restore the old values');
    expect(result.stdout).toContain('-- expand: nothing to do');
    // A column qualified by its table still counts as immutable: the distinct test is there.
    expect(result.stdout).toContain(
      'update "public"."tickets" set "status" = (upper(tickets.status)) where "id" > $1::text::bigint and "id" <= $2::text::bigint and ((status <> upper(status)) and case when (status <> upper(status)) then "status" is distinct from (upper(tickets.status))::text else false end);',
    );
    expect(result.stdout).toContain(
      "do $online$\nbegin\n  if exists (select id from tickets where status <> upper(status)) then\n    raise exception 'the verify query returned rows' using errcode = 'OLV01';\n  end if;\nend\n$online$;",
    );
    expect(result.stdout).toContain('-- rollback (online rollback): nothing to do');
    expect([await catalogSnapshot(db.sql, 'tickets'), await contents()]).toEqual(before);
  });

  it.each([
    ['an unknown table', ['--table', 'nope', '--set', 'status=1'], /table public\.nope does not exist/],
    ['an unknown set column', ['--set', 'nope=1'], /column nope does not exist on public\.tickets/],
    ['a generated column', ['--set', 'title_length=0'], /title_length of public\.tickets is generated/],
    ['an identity column', ['--set', 'id=id + 1'], /id of public\.tickets is GENERATED ALWAYS AS IDENTITY/],
    ['a key column', ['--table', 'codes', '--set', 'code=upper(code)'], /code of public\.codes is part of the key the backfill pages over/],
    [
      'an expression that does not compile',
      ['--set', 'status=upper(nonexistent)'],
      /set status expression does not compile: column "nonexistent" does not exist/,
    ],
    [
      'an expression of the wrong type',
      ['--set', 'resolved_at=escalated'],
      /set resolved_at expression does not compile: cannot cast type boolean/,
    ],
    ['an expression that escapes', ['--set', "status='x'), title = ('y'"], /unbalanced/],
    [
      'a volatile expression without where',
      ['--set', 'updated_at=clock_timestamp()'],
      /needs a where that says which rows need work: a set expression is not immutable/,
    ],
    [
      'a where that is not boolean',
      ['--set', 'status=upper(status)', '--where', 'status'],
      /where expression does not compile: it is of type text, not boolean/,
    ],
    [
      'a where that does not compile',
      ['--set', 'status=upper(status)', '--where', 'nope = 1'],
      /where expression does not compile: column "nope" does not exist/,
    ],
    [
      'a verify that is not a SELECT',
      ['--set', 'status=upper(status)', '--verify', 'delete from tickets'],
      /verify must be exactly one read-only SELECT: it is not a SELECT/,
    ],
    [
      'a verify that writes in a WITH',
      ['--set', 'status=upper(status)', '--verify', 'with d as (delete from tickets returning id) select id from d'],
      /verify must be exactly one read-only SELECT: it writes rows \(a data-modifying WITH\)/,
    ],
    [
      'a verify of two statements',
      ['--set', 'status=upper(status)', '--verify', 'select 1; delete from tickets'],
      /verify must be exactly one read-only SELECT: found 2 statements \(a ";"\?\)/,
    ],
    [
      'a verify that does not compile',
      ['--set', 'status=upper(status)', '--verify', 'select nope from tickets'],
      /verify must be one read-only SELECT: column "nope" does not exist/,
    ],
  ])('%s', async (_case, flags, message) => {
    const before = [await catalogSnapshot(db.sql, 'tickets'), await catalogSnapshot(db.sql, 'codes'), await contents()];
    const args = flags.includes('--table') ? flags : ['--table', 'tickets', ...flags];
    const result = await runCli(['start', 'backfill', ...args], db.url);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect([await catalogSnapshot(db.sql, 'tickets'), await catalogSnapshot(db.sql, 'codes'), await contents()]).toEqual(before);
    const [state] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    expect(state?.exists).toBe(false);
  });
});
