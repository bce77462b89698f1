// The source tools' own ledgers on real PostgreSQL: which migrations they record as applied, and
// marking them applied exactly as the tool would (rows checked against the tools' source: see each
// src/import/ledgers file), all or nothing, idempotent, refused where the tool's table is missing,
// out of order, not the layout we know, or (Flyway) not ours to write.
import { prismaMigrationsTable } from '../support/import-fixtures.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/errors/index.js';
import type { SourceMigration } from '../../src/import/import-types.js';
import { appliedSourceIds, markSourceApplied } from '../../src/import/ledgers/source-ledger.js';
import { readSourceMigrations } from '../../src/import/sources/read-source.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'import');
const read = async (path: string): Promise<readonly SourceMigration[]> => (await readSourceMigrations(join(fixtures, path))).migrations;
const ids = (ms: readonly SourceMigration[]): string[] => ms.map((m) => m.id);

/** PostgreSQL's own sha256 of a text's UTF-8 bytes: an implementation independent of ours. */
async function pgSha256(db: TestDatabase, text: string): Promise<string> {
  const [row] = await db.sql<{ hex: string }[]>`select encode(sha256(convert_to(${text}, 'UTF8')), 'hex') as hex`;
  return row?.hex ?? '';
}

describe('Prisma: _prisma_migrations as prisma migrate resolve --applied writes it', () => {
  const db = useTestDatabase('ledger_prisma', { per: 'test' });
  const createTable = prismaMigrationsTable;

  it('without the table: nothing is applied (undefined) and marking is refused with Prisma’s own command', async () => {
    const migrations = await read('prisma');
    expect(await appliedSourceIds(db.sql, 'prisma', migrations)).toBeUndefined();
    await expectOnlineError(markSourceApplied(db.sql, 'prisma', migrations), ImportError, {
      exitCode: 2,
      code: 'IMPORT_LEDGER_MISSING',
      message: 'prisma migrate resolve --applied 20240115093000_init',
    });
    const [table] = await db.sql`select to_regclass('_prisma_migrations') as t`;
    expect(table?.t).toBeNull();
  });

  it('marks every migration with a uuid, the sha256 of migration.sql, logs empty, started = finished, 0 steps; again, it reports them already', async () => {
    await db.sql.unsafe(createTable);
    const migrations = await read('prisma');
    expect(await appliedSourceIds(db.sql, 'prisma', migrations)).toEqual(new Set());
    expect(await markSourceApplied(db.sql, 'prisma', migrations)).toEqual({ marked: ids(migrations), already: [] });
    const rows = await db.sql<
      {
        id: string;
        checksum: string;
        migration_name: string;
        logs: string;
        same_time: boolean;
        finished: boolean;
        rolled_back: boolean;
        applied_steps_count: number;
      }[]
    >`select id, checksum, migration_name, logs, started_at = finished_at as same_time, finished_at is not null as finished,
             rolled_back_at is not null as rolled_back, applied_steps_count from _prisma_migrations order by migration_name`;
    expect(rows.map((r) => r.migration_name)).toEqual(ids(migrations));
    for (const [i, row] of rows.entries()) {
      expect(row).toMatchObject({ logs: '', same_time: true, finished: true, rolled_back: false, applied_steps_count: 0 });
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.checksum).toBe(await pgSha256(db, migrations[i]?.sql ?? ''));
    }
    expect(await appliedSourceIds(db.sql, 'prisma', migrations)).toEqual(new Set(ids(migrations)));
    expect(await markSourceApplied(db.sql, 'prisma', migrations)).toEqual({ marked: [], already: ids(migrations) });
    const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from _prisma_migrations`;
    expect(count?.n).toBe(4);
  });

  it('a failed attempt is marked rolled back and a finished row added, as prisma migrate resolve --applied does', async () => {
    await db.sql.unsafe(createTable);
    const [first] = await read('prisma');
    await db.sql`insert into _prisma_migrations (id, checksum, migration_name, logs) values ('failed-1', 'x', ${first?.id ?? ''}, 'syntax error')`;
    expect(await appliedSourceIds(db.sql, 'prisma', first === undefined ? [] : [first])).toEqual(new Set());
    expect(await markSourceApplied(db.sql, 'prisma', first === undefined ? [] : [first])).toEqual({ marked: [first?.id], already: [] });
    const rows = await db.sql`select id = 'failed-1' as old, finished_at is not null as finished, rolled_back_at is not null as rolled_back
                               from _prisma_migrations order by old`;
    expect(rows).toEqual([
      { old: false, finished: true, rolled_back: false },
      { old: true, finished: false, rolled_back: true },
    ]);
  });

  it('waits for a running prisma migrate (its advisory lock) at most 5 s, then fails writing nothing', async () => {
    await db.sql.unsafe(createTable);
    const migrate = await db.sql.reserve();
    try {
      await migrate`select pg_advisory_lock(72707369)`;
      await expectOnlineError(markSourceApplied(db.sql, 'prisma', await read('prisma')), ImportError, {
        exitCode: 2,
        code: 'IMPORT_LEDGER_BUSY',
        message: 'nothing was marked',
      });
    } finally {
      await migrate`select pg_advisory_unlock_all()`;
      migrate.release();
    }
    const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from _prisma_migrations`;
    expect(count?.n).toBe(0);
  });

  it('is all or nothing: a row PostgreSQL rejects (a name longer than Prisma’s varchar(255)) leaves none written', async () => {
    await db.sql.unsafe(createTable);
    const migrations = await read('prisma');
    const tooLong = { ...migrations[0], id: `20240501000000_${'x'.repeat(250)}` } as SourceMigration;
    await expect(markSourceApplied(db.sql, 'prisma', [...migrations, tooLong])).rejects.toThrow(/too long/);
    const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from _prisma_migrations`;
    expect(count?.n).toBe(0);
  });
});

describe('drizzle: drizzle.__drizzle_migrations, as its migrator writes it', () => {
  const db = useTestDatabase('ledger_drizzle', { per: 'test' });
  // drizzle-orm's pg-core dialect migrate(): the schema and table it creates.
  const createTable = async (): Promise<void> => {
    await db.sql.unsafe('CREATE SCHEMA IF NOT EXISTS "drizzle"');
    await db.sql.unsafe(
      'CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)',
    );
  };
  /** What drizzle's migrator would run now: the journal entries newer than the newest row's created_at. */
  const drizzleWouldRun = async (migrations: readonly SourceMigration[]): Promise<string[]> => {
    const [last] = await db.sql<
      { created_at: string }[]
    >`select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`;
    return migrations.filter((m) => last === undefined || Number(last.created_at) < (m.when ?? 0)).map((m) => m.id);
  };

  it('without the table: refused, naming drizzle’s migrator', async () => {
    const migrations = await read('drizzle');
    expect(await appliedSourceIds(db.sql, 'drizzle', migrations)).toBeUndefined();
    await expectOnlineError(markSourceApplied(db.sql, 'drizzle', migrations), ImportError, {
      exitCode: 2,
      code: 'IMPORT_LEDGER_MISSING',
      message: 'drizzle-kit migrate',
    });
  });

  it('marks in journal order with hash = sha256 of the file and created_at = when; after it drizzle runs nothing; again, already', async () => {
    await createTable();
    const migrations = await read('drizzle');
    expect(await drizzleWouldRun(migrations)).toEqual(ids(migrations));
    expect(await markSourceApplied(db.sql, 'drizzle', migrations.slice(0, 2))).toEqual({
      marked: ids(migrations.slice(0, 2)),
      already: [],
    });
    expect(await appliedSourceIds(db.sql, 'drizzle', migrations)).toEqual(new Set(ids(migrations.slice(0, 2))));
    expect(await drizzleWouldRun(migrations)).toEqual(ids(migrations.slice(2)));
    expect(await markSourceApplied(db.sql, 'drizzle', migrations)).toEqual({
      marked: ids(migrations.slice(2)),
      already: ids(migrations.slice(0, 2)),
    });
    expect(await drizzleWouldRun(migrations)).toEqual([]);
    const rows = await db.sql<
      { hash: string; created_at: string }[]
    >`select hash, created_at from drizzle.__drizzle_migrations order by id`;
    expect(rows.map((r) => Number(r.created_at))).toEqual(migrations.map((m) => m.when));
    for (const [i, row] of rows.entries()) expect(row.hash).toBe(await pgSha256(db, migrations[i]?.sql ?? ''));
    expect(await markSourceApplied(db.sql, 'drizzle', migrations)).toEqual({ marked: [], already: ids(migrations) });
  });

  it('refuses to mark a later entry over an earlier one not applied (drizzle would skip it for good)', async () => {
    await createTable();
    const migrations = await read('drizzle');
    await expectOnlineError(markSourceApplied(db.sql, 'drizzle', migrations.slice(2)), ImportError, {
      exitCode: 2,
      code: 'IMPORT_LEDGER_ORDER',
      message: '0000_lush_wolverine, 0001_brave_sentinel come before 0003_flawless_nightcrawler',
    });
    expect(await drizzleWouldRun(migrations)).toEqual(ids(migrations));
  });

  it('refuses a table in another layout (drizzle v1’s name column), writing nothing', async () => {
    await createTable();
    await db.sql.unsafe('alter table drizzle.__drizzle_migrations add column name text');
    await expectOnlineError(markSourceApplied(db.sql, 'drizzle', await read('drizzle')), ImportError, {
      exitCode: 2,
      code: 'IMPORT_LEDGER_LAYOUT',
      message: 'unexpected name',
    });
  });
});

describe('node-pg-migrate: pgmigrations, as its runner writes it', () => {
  const db = useTestDatabase('ledger_npm', { per: 'test' });
  const path = 'node-pg-migrate/migrations';

  it('marks (name, run_on) in file order, its check-order reading them back in that order; again, already', async () => {
    await db.sql.unsafe(
      'CREATE TABLE "public"."pgmigrations" ( id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)',
    );
    const migrations = await read(path);
    expect(await markSourceApplied(db.sql, 'node-pg-migrate', migrations.slice(0, 1))).toEqual({
      marked: [migrations[0]?.id],
      already: [],
    });
    expect(await markSourceApplied(db.sql, 'node-pg-migrate', migrations)).toEqual({
      marked: ids(migrations.slice(1)),
      already: [migrations[0]?.id],
    });
    // node-pg-migrate's getRunMigrations: `SELECT name FROM … ORDER BY run_on, id`, compared position by position with the files.
    const run = await db.sql<{ name: string }[]>`select name from public.pgmigrations order by run_on, id`;
    expect(run.map((r) => r.name)).toEqual(ids(migrations));
    expect(await appliedSourceIds(db.sql, 'node-pg-migrate', migrations)).toEqual(new Set(ids(migrations)));
    expect(await markSourceApplied(db.sql, 'node-pg-migrate', migrations)).toEqual({ marked: [], already: ids(migrations) });
  });

  it('uses the configured schema and table (--migrations-schema, --migrations-table)', async () => {
    await db.sql.unsafe(
      'create schema "Ops"; create table "Ops"."schema history" (id serial primary key, name varchar(255) not null, run_on timestamp not null)',
    );
    const migrations = await read(path);
    const options = { schema: 'Ops', table: 'schema history' };
    expect(await appliedSourceIds(db.sql, 'node-pg-migrate', migrations)).toBeUndefined();
    expect(await markSourceApplied(db.sql, 'node-pg-migrate', migrations, options)).toMatchObject({ marked: ids(migrations) });
    expect(await appliedSourceIds(db.sql, 'node-pg-migrate', migrations, options)).toEqual(new Set(ids(migrations)));
  });

  it('without the table: refused; out of order: refused as node-pg-migrate would', async () => {
    const migrations = await read(path);
    await expectOnlineError(markSourceApplied(db.sql, 'node-pg-migrate', migrations), ImportError, {
      exitCode: 2,
      code: 'IMPORT_LEDGER_MISSING',
    });
    await db.sql.unsafe(
      'CREATE TABLE "public"."pgmigrations" ( id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)',
    );
    await expectOnlineError(markSourceApplied(db.sql, 'node-pg-migrate', migrations.slice(1, 2)), ImportError, {
      exitCode: 2,
      code: 'IMPORT_LEDGER_ORDER',
      message: 'Not run migration',
    });
    const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from pgmigrations`;
    expect(count?.n).toBe(0);
  });
});

describe('Flyway: flyway_schema_history is read, never written', () => {
  const db = useTestDatabase('ledger_flyway');

  it('applied: successful SQL rows by script, and versions at or below a baseline; marking refused with Flyway’s own ways', async () => {
    const migrations = await read('flyway/sql');
    expect(await appliedSourceIds(db.sql, 'flyway', migrations)).toBeUndefined();
    // Flyway's PostgreSQL DDL for its history table.
    await db.sql.unsafe(`CREATE TABLE "public"."flyway_schema_history" (
      "installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL,
      "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL,
      "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL)`);
    await db.sql
      .unsafe(`insert into flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) values
      (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', null, 'postgres', 0, true),
      (2, '1.1', 'ticket channel', 'SQL', 'V1_1__ticket_channel.sql', 123, 'postgres', 5, true),
      (3, '2', 'channel required', 'SQL', 'V2__channel_required.sql', 456, 'postgres', 5, false)`);
    expect(await appliedSourceIds(db.sql, 'flyway', migrations)).toEqual(
      new Set(['V1__create_tickets_schema.sql', 'V1_1__ticket_channel.sql']),
    );
    const before = await db.sql`select * from flyway_schema_history order by installed_rank`;
    await expectOnlineError(markSourceApplied(db.sql, 'flyway', migrations), ImportError, {
      exitCode: 2,
      code: 'IMPORT_LEDGER_UNSAFE',
      message: 'flyway baseline -baselineVersion',
    });
    expect(await db.sql`select * from flyway_schema_history order by installed_rank`).toEqual(before);
  });
});

describe('plain SQL has no ledger', () => {
  const db = useTestDatabase('ledger_sql');

  it('applied ids are undefined and marking is refused', async () => {
    const migrations = await read('refused');
    expect(await appliedSourceIds(db.sql, 'sql', migrations)).toBeUndefined();
    await expectOnlineError(markSourceApplied(db.sql, 'sql', migrations), ImportError, { exitCode: 2, code: 'IMPORT_LEDGER_NONE' });
  });
});
