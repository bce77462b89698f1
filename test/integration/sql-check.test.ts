// `online check --sql`'s analysis against real PostgreSQL: pending statements of a tool's migrations
// judged by their locks and the live sizes of the tables they scan or rewrite (a few thousand rows,
// --large-table 1000), on the read-only connection the command uses. The translation is a stand-in
// here (the importer's own is tested with it end to end in sql-check-cli.test.ts): this file tests the
// gate. It changes nothing, and neither blocks writers nor queues behind a lock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/connect.js';
import { ImportError } from '../../src/errors/index.js';
import { checkMigrations } from '../../src/import/check/check-migrations.js';
import type { SqlCheck, StatementCheck } from '../../src/import/check/check-types.js';
import { withReadOnlyConnection } from '../../src/import/check/read-only-connection.js';
import type { SourceMigration, SourceStatement, TranslatedStatement } from '../../src/import/import-types.js';
import { operationSpec } from '../../src/migration-spec/migration-spec.js';
import { renderSqlCheck } from '../../src/cli/sql-check-printer.js';
import { databaseSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { holdLock } from '../support/held-lock.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';

const rows = 3000;
const largeTableRows = 1000;

const migration = (id: string, sql: string): SourceMigration => ({
  tool: 'prisma',
  id,
  file: `${id}/migration.sql`,
  path: `/nowhere/${id}/migration.sql`,
  sql,
  firstLine: 1,
});

/** A stand-in translation: CREATE INDEX becomes create-index, everything else stays plain SQL. */
async function translate(statements: readonly SourceStatement[]): Promise<readonly TranslatedStatement[]> {
  await Promise.resolve();
  return statements.map((statement) => {
    const stmt = statement.stmt;
    if ('IndexStmt' in stmt) {
      const columns = (stmt.IndexStmt.indexParams ?? []).flatMap((p) =>
        'IndexElem' in p && p.IndexElem.name !== undefined ? [p.IndexElem.name] : [],
      );
      const operation = operationSpec.parse({ op: 'create-index', table: stmt.IndexStmt.relation?.relname, columns });
      return { statement, translation: { kind: 'operation', operations: [operation], note: 'built concurrently' } };
    }
    return { statement, translation: { kind: 'sql', phase: 'expand', note: 'stand-in' } };
  });
}

describe('check --sql judges pending statements by their locks and the live sizes of their tables', () => {
  const db = useTestDatabase('sql_check');
  beforeAll(async () => {
    await createTickets(db.sql, rows);
    await db.sql`create table tags (id int primary key, name text)`;
    await db.sql`insert into tags select g, 'tag ' || g from generate_series(1, 20) g`;
    await db.sql`create table events (id bigint, at date not null, what text) partition by range (at)`;
    await db.sql`create table events_2024 partition of events for values from ('2024-01-01') to ('2025-01-01')`;
    await db.sql`create table events_2025 partition of events for values from ('2025-01-01') to ('2026-01-01')`;
    await db.sql`insert into events select g, date '2024-06-01' + (g % 2) * 365, 'e' from generate_series(1, 1200) g`;
    await db.sql`analyze`;
  });

  const check = (migrations: readonly SourceMigration[], applied: readonly string[] = []): Promise<SqlCheck> =>
    withReadOnlyConnection(db.url, (sql: Sql) =>
      checkMigrations({
        source: 'prisma/migrations',
        tool: 'prisma',
        migrations,
        applied: new Set(applied),
        sql,
        largeTableRows,
        translate,
      }),
    );
  const only = (result: SqlCheck): StatementCheck => {
    const [statement, ...more] = result.migrations.flatMap((m) => m.statements);
    expect(more).toEqual([]);
    if (statement === undefined) throw new Error('no statement judged');
    return statement;
  };

  it('fails CREATE INDEX (not concurrently) on a large table, naming it with its size and suggesting create-index', async () => {
    const result = await check([
      migration('20240102000000_status_idx', '-- CreateIndex\nCREATE INDEX "tickets_status_idx" ON "tickets"("status");'),
    ]);
    expect(result.outcome).toBe('fail');
    const s = only(result);
    expect(s).toMatchObject({
      where: '20240102000000_status_idx/migration.sql:2',
      verdict: 'fail',
      locks: [{ relation: 'public.tickets', mode: 'share', blocksWrites: true, size: { source: 'catalog', rows, estimated: false } }],
      scans: { answer: 'yes' },
      replacement: { kind: 'operation', operations: [{ op: 'create-index', table: 'tickets', columns: ['status'] }] },
    });
    expect(s.reasons).toEqual([
      'holds SHARE on public.tickets, which blocks writes, while it scans public.tickets (3,000 rows ≥ --large-table 1,000)',
    ]);
    const text = renderSqlCheck(result);
    expect(text).toMatch(
      /^ {2}FAIL {2}20240102000000_status_idx\/migration\.sql:2 {2}CREATE INDEX "tickets_status_idx" ON "tickets"\("status"\) {2}SHARE public\.tickets 3,000 rows [\d.]+ [kKM]i?B {2}scans {2}→ online: create-index$/m,
    );
    expect(text).toContain('        instead: built concurrently');
    expect(text.split('\n').at(-1)).toBe(
      'prisma: 1 pending migration, 0 applied; 1 statement judged: 1 failure, 0 warnings (exit 1) (sized from the database; large: ≥ 1,000 rows)',
    );
  });

  it('passes the same index on a small table (a warning: the tool takes the lock without lock_timeout)', async () => {
    const result = await check([migration('20240103000000_tags_idx', 'CREATE INDEX "tags_name_idx" ON "tags"("name");')]);
    expect(result.outcome).toBe('warn');
    expect(only(result)).toMatchObject({ verdict: 'warn', locks: [{ relation: 'public.tags', size: { source: 'catalog', rows: 20 } }] });
  });

  it('fails ALTER COLUMN TYPE int to bigint on a large table: ACCESS EXCLUSIVE across a rewrite', async () => {
    await db.sql`alter table tickets add column if not exists points int`;
    const result = await check([migration('20240104000000_points', 'ALTER TABLE "tickets" ALTER COLUMN "points" SET DATA TYPE BIGINT;')]);
    expect(result.outcome).toBe('fail');
    const s = only(result);
    expect(s.rewrites.answer).not.toBe('no');
    expect(s.reasons[0]).toMatch(
      /^holds ACCESS EXCLUSIVE on public\.tickets, which blocks writes, while it may rewrite public\.tickets \(3,000 rows/,
    );
  });

  it('passes ADD COLUMN nullable without a default (a brief ACCESS EXCLUSIVE: a warning)', async () => {
    const result = await check([migration('20240105000000_note', 'ALTER TABLE "tickets" ADD COLUMN "note" TEXT;')]);
    expect(result.outcome).toBe('warn');
    const s = only(result);
    expect(s).toMatchObject({ verdict: 'warn', scans: { answer: 'no' }, rewrites: { answer: 'no' } });
    expect(s.reasons[0]).toMatch(
      /^takes ACCESS EXCLUSIVE on public\.tickets, which blocks reads and writes: brief, but prisma runs it without lock_timeout/,
    );
  });

  it('passes a table created earlier in the same source: new and empty, its index and foreign key judged as such', async () => {
    const result = await check([
      migration(
        '20240106000000_labels',
        'CREATE TABLE "labels" ("id" SERIAL NOT NULL, "ticket_id" BIGINT, CONSTRAINT "labels_pkey" PRIMARY KEY ("id"));',
      ),
      migration(
        '20240107000000_labels_idx',
        'CREATE INDEX "labels_ticket_idx" ON "labels"("ticket_id");\nALTER TABLE "labels" ADD CONSTRAINT "labels_ticket_fkey" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id");\nDROP INDEX "labels_ticket_idx";',
      ),
    ]);
    expect(result.outcome).not.toBe('fail');
    const [create, index, fk, drop] = result.migrations.flatMap((m) => m.statements);
    expect(create).toMatchObject({ verdict: 'ok', locks: [] });
    expect(index).toMatchObject({
      verdict: 'ok',
      locks: [{ size: { source: 'new', createdAt: '20240106000000_labels/migration.sql:1' } }],
    });
    // The referenced table is locked briefly (SHARE ROW EXCLUSIVE) while the empty new table is checked.
    expect(fk?.verdict).toBe('warn');
    expect(fk?.locks.map((l) => [l.relation, l.size.source])).toEqual([
      ['labels', 'new'],
      ['public.tickets', 'catalog'],
    ]);
    // DROP INDEX names the index; its table is the new one.
    expect(drop?.locks.every((l) => l.size.source === 'new')).toBe(true);
    expect(drop?.verdict).toBe('ok');
  });

  it('fails a whole-table UPDATE after ADD COLUMN in the same migration: the ACCESS EXCLUSIVE is held across its scan', async () => {
    const result = await check([
      migration('20240108000000_flag', 'ALTER TABLE "tickets" ADD COLUMN "flag" BOOLEAN;\nUPDATE "tickets" SET "flag" = "escalated";'),
    ]);
    const [add, update] = result.migrations.flatMap((m) => m.statements);
    expect(add?.verdict).toBe('warn');
    expect(update?.verdict).toBe('fail');
    expect(update?.reasons[0]).toBe(
      'runs in the same transaction as earlier statements whose locks block writes until it commits: ACCESS EXCLUSIVE on public.tickets (taken at 20240108000000_flag/migration.sql:1); it scans public.tickets (3,000 rows ≥ --large-table 1,000) while they are held',
    );
  });

  it('sums a partitioned table over its leaves', async () => {
    const result = await check([migration('20240109000000_events_idx', 'CREATE INDEX "events_what_idx" ON "events"("what");')]);
    expect(only(result)).toMatchObject({
      verdict: 'fail',
      locks: [{ relation: 'public.events', size: { source: 'catalog', rows: 1200 } }],
    });
  });

  it('does not judge an applied migration: listed, no statements', async () => {
    const result = await check(
      [
        migration('20240101000000_init', 'CREATE INDEX "tickets_title_idx" ON "tickets"("title");'),
        migration('20240110000000_tags', 'ALTER TABLE "tags" ADD COLUMN "color" TEXT;'),
      ],
      ['20240101000000_init'],
    );
    expect(result.migrations.map((m) => [m.id, m.state, m.statements.length])).toEqual([
      ['20240101000000_init', 'applied', 0],
      ['20240110000000_tags', 'pending', 1],
    ]);
    expect(result.outcome).toBe('warn');
    expect(result.totals).toEqual({ pending: 1, applied: 1, statements: 1, failures: 0, warnings: 1 });
    expect(renderSqlCheck(result)).toMatch(/^applied {2}20240101000000_init {2}\(in the tool's ledger: not judged\)$/m);
  });

  it('without a database, counts every table the source did not create as large', async () => {
    const result = await checkMigrations({
      source: 'prisma/migrations',
      tool: 'prisma',
      migrations: [migration('20240111000000_tags_idx', 'CREATE INDEX "tags_name_idx" ON "tags"("name");')],
      applied: new Set(),
      largeTableRows,
      translate,
    });
    expect(result).toMatchObject({ database: false, outcome: 'fail' });
    expect(only(result)).toMatchObject({ locks: [{ size: { source: 'unknown', relation: 'tags', why: 'no database given' } }] });
    expect(only(result).reasons[0]).toContain('tags (size unknown: no database given; a table the gate cannot size counts as large)');
  });

  it('a table created IF NOT EXISTS is new only when the database does not have it: it may be an older one, full of rows', async () => {
    const source = (table: string): SourceMigration =>
      migration(
        `20240111500000_${table}`,
        `CREATE TABLE IF NOT EXISTS "${table}" ("id" bigint PRIMARY KEY, "title" text);\nCREATE INDEX "${table}_title_idx" ON "${table}"("title");`,
      );
    const index = (result: SqlCheck): StatementCheck | undefined => result.migrations.flatMap((m) => m.statements)[1];
    const existing = index(await check([source('tickets')]));
    expect(existing).toMatchObject({ verdict: 'fail', locks: [{ relation: 'public.tickets', size: { source: 'catalog', rows } }] });
    const missing = index(await check([source('notes')]));
    expect(missing).toMatchObject({ verdict: 'ok', locks: [{ relation: 'notes', size: { source: 'new' } }] });
    const offline = index(
      await checkMigrations({
        source: 'prisma/migrations',
        tool: 'prisma',
        migrations: [source('notes')],
        applied: new Set(),
        largeTableRows,
        translate,
      }),
    );
    expect(offline).toMatchObject({ verdict: 'fail', locks: [{ size: { source: 'unknown' } }] });
  });

  it('fails CREATE TABLE … PARTITION OF a large table: a default partition, if any, is scanned while the parent is locked ACCESS EXCLUSIVE', async () => {
    const s = only(
      await check([
        migration(
          '20240111600000_events_2026',
          `CREATE TABLE "events_2026" PARTITION OF "events" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');`,
        ),
      ]),
    );
    expect(s).toMatchObject({
      verdict: 'fail',
      scans: { answer: 'maybe' },
      locks: [{ relation: 'public.events', mode: 'access exclusive', size: { source: 'catalog', rows: 1200 } }],
    });
  });

  it('a table the source creates in another schema does not make the unqualified name new: that is public.tickets', async () => {
    const result = await check([
      migration(
        '20240111700000_audit',
        'CREATE SCHEMA audit;\nCREATE TABLE audit.tickets (id bigint, title text);\nCREATE INDEX tickets_title_idx ON tickets (title);\nCREATE INDEX audit_title_idx ON audit.tickets (title);',
      ),
    ]);
    const [, , existing, onNew] = result.migrations.flatMap((m) => m.statements);
    expect(existing).toMatchObject({ verdict: 'fail', locks: [{ relation: 'public.tickets', size: { source: 'catalog', rows } }] });
    expect(onNew).toMatchObject({ verdict: 'ok', locks: [{ size: { source: 'new' } }] });
  });

  it('fails a DO block: what it locks cannot be known', async () => {
    const result = await check([migration('20240112000000_do', "DO $$ BEGIN EXECUTE 'CREATE INDEX ON tickets (title)'; END $$;")]);
    expect(only(result)).toMatchObject({ verdict: 'fail', opaque: true, kind: 'DO block' });
  });

  it("judges a DO block that only wraps plain statements (drizzle-kit's guarded foreign keys) by what it wraps", async () => {
    const guarded = (sql: string): string => `DO $$ BEGIN\n ${sql};\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;`;
    const result = await check([
      migration(
        '0000_posts',
        [
          'CREATE TABLE IF NOT EXISTS "posts" ("id" serial PRIMARY KEY NOT NULL, "ticket_id" bigint);',
          guarded('ALTER TABLE "posts" ADD CONSTRAINT "posts_ticket_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id")'),
          guarded('ALTER TABLE "tickets" ADD CONSTRAINT "tickets_id_tags_fk" FOREIGN KEY ("id") REFERENCES "public"."tags"("id")'),
        ].join('\n'),
      ),
    ]);
    const [, onNew, onLarge] = result.migrations.flatMap((m) => m.statements);
    expect(onNew).toMatchObject({ kind: 'DO block (ALTER TABLE)', opaque: false, verdict: 'warn' });
    expect(onNew?.locks.map((l) => [l.relation, l.mode, l.size.source])).toEqual([
      ['posts', 'share row exclusive', 'new'],
      ['public.tickets', 'share row exclusive', 'catalog'],
    ]);
    expect(onLarge).toMatchObject({ kind: 'DO block (ALTER TABLE)', verdict: 'fail' });
    expect(onLarge?.reasons[0]).toMatch(
      /^holds SHARE ROW EXCLUSIVE on public\.tickets, SHARE ROW EXCLUSIVE on public\.tags, which blocks writes, while it scans public\.tickets \(3,000 rows/,
    );
  });

  it('refuses a syntax error as bad input (ImportError, exit 2), naming the file and line', async () => {
    const failure = await check([migration('20240113000000_bad', 'SELECT 1;\nALTER TABLE "tickets" ADD COLUMN;')]).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ImportError);
    expect(failure).toMatchObject({ exitCode: 2 });
    expect((failure as ImportError).message).toMatch(/^20240113000000_bad\/migration\.sql:2: PostgreSQL's parser refuses it/);
  });

  it('changes nothing: catalog, rows and their xmin, write counters; no ledger created', async () => {
    const writes = async () =>
      (
        await db.sql<
          { n: string }[]
        >`select pg_stat_clear_snapshot(), coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::text as n from pg_stat_user_tables`
      )[0]?.n;
    const fingerprint = async () =>
      (await db.sql<{ digest: string }[]>`select md5(string_agg(t::text || t.xmin::text, ',' order by id)) as digest from tickets t`)[0]
        ?.digest;
    // The seed's statistics reach pg_stat asynchronously (up to seconds later): wait until all of its rows are counted.
    const seeded = String(rows + 20 + 1200);
    for (let polls = 0; (await writes()) !== seeded; polls++) {
      if (polls > 600) throw new Error(`the seed's ${seeded} inserts never reached pg_stat_user_tables`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const before = { catalog: await databaseSnapshot(db.sql), rows: await fingerprint(), writes: seeded };
    await check([
      migration(
        '20240114000000_all',
        'CREATE INDEX "tickets_status_idx" ON "tickets"("status");\nALTER TABLE "tickets" ADD COLUMN "x" INT;\nUPDATE "tickets" SET "x" = 1;',
      ),
    ]);
    // The check's session has ended (its statistics, had it written anything, are flushed at its exit).
    for (let polls = 0; ; polls++) {
      const [open] = await db.sql<
        { n: number }[]
      >`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'online'`;
      if (open?.n === 0) break;
      if (polls > 600) throw new Error("the check's session never ended");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect({ catalog: await databaseSnapshot(db.sql), rows: await fingerprint(), writes: await writes() }).toEqual(before);
    const [ledgers] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_namespace where nspname = 'online_migrate'`;
    expect(ledgers?.n).toBe(0);
  });

  describe('beside the application', () => {
    let writers: ReturnType<typeof startWriters> | undefined;
    afterAll(async () => {
      await writers?.stop();
    });

    it('never blocks a writer on the table it sizes: writers keep writing through repeated checks, with no error', async () => {
      writers = startWriters(db.url, { writers: 2 });
      await writers.waitForOperations(10);
      for (let i = 0; i < 5; i++) {
        const result = await check([migration(`2024011500000${i}_idx`, 'CREATE INDEX "tickets_title_idx" ON "tickets"("title");')]);
        expect(only(result).locks[0]?.size.source).toBe('catalog');
      }
      await writers.waitForOperations(20);
      const report = await writers.stop();
      writers = undefined;
      expect(report.errors).toEqual([]);
    });

    it('never queues behind a lock held elsewhere: the table it cannot size in time is reported unsized (large), and the check ends', async () => {
      const lock = await holdLock(db.url, 'lock table tickets in access exclusive mode');
      try {
        const result = await check([migration('20240116000000_idx', 'CREATE INDEX "tickets_title_idx" ON "tickets"("title");')]);
        expect(only(result)).toMatchObject({
          verdict: 'fail',
          locks: [
            { size: { source: 'unknown', relation: 'tickets', why: expect.stringMatching(/wait on a lock held elsewhere/) as unknown } },
          ],
        });
        // Nothing of the check is left waiting on the holder.
        const [waiting] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_locks where not granted`;
        expect(waiting?.n).toBe(0);
      } finally {
        await lock.release();
      }
    });
  });
});
