// What keeps the ledger honest about what changed: the tables a migration reaches through foreign keys
// are recorded (so no other migration starts on them), exit 2 only ever means "nothing changed", and
// completing twice is safe.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDatabaseState } from '../support/database-state.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';

describe('lifecycle guards', severalCliRuns, () => {
  const db = useTestDatabase('lifecycle_guards');

  it('records the referencing tables a change-type rebuilds, and refuses another migration on them', async () => {
    await db.sql.unsafe(`
      create table users (id serial primary key, email text);
      create table orders (id serial primary key, user_id int references users (id), note text);
      insert into users (email) select 'u' || g from generate_series(1, 50) g;
      insert into orders (user_id) select 1 + g % 50 from generate_series(1, 80) g;`);
    const started = await runCli(
      ['start', 'change-type', '--table', 'users', '--column', 'id', '--type', 'bigint', '--migration-name', 'widen-users'],
      db.url,
    );
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const [ledger] = await db.sql<{ tables: string[] }[]>`select tables from online_migrate.migrations where name = 'widen-users'`;
    expect(ledger?.tables).toEqual(expect.arrayContaining(['public.users', 'public.orders']));

    const before = await readDatabaseState(db.url);
    const other = await runCli(
      ['start', 'add-column', '--table', 'orders', '--column', 'flag', '--type', 'boolean', '--default', 'false'],
      db.url,
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('migration "widen-users" (status awaiting_contract) is still active on public.orders');
    expect(await readDatabaseState(db.url)).toEqual(before);

    const completed = await runCli(['complete', 'widen-users'], db.url);
    expect(completed.code).toBe(0);
    // Completing a completed migration (e.g. again after a crash) changes nothing and succeeds.
    const afterComplete = await readDatabaseState(db.url);
    const again = await runCli(['complete', 'widen-users'], db.url);
    expect(again.code).toBe(0);
    expect(await readDatabaseState(db.url)).toEqual(afterComplete);
  });

  it('refuses an index name the plan needs in pre-flight, before any step runs (exit 2, nothing changed)', async () => {
    await db.sql.unsafe(`
      create table items (id int primary key, code int);
      insert into items select g, g from generate_series(1, 30) g;
      create index items_code_idx on items (code);
      create table other (id int);
      create index items_code_idx_online_new on other (id);`);
    const before = await readDatabaseState(db.url);
    const run = await runCli(['start', 'change-type', '--table', 'items', '--column', 'code', '--type', 'bigint', '--json'], db.url);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('items_code_idx_online_new already exists on public.other');
    expect(await readDatabaseState(db.url)).toEqual(before);
    const [recorded] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from online_migrate.migrations where name like 'change-type-items%'`;
    expect(recorded?.n).toBe(0);
  });

  it('migrate exits 1, not 2, when a spec is refused after earlier specs of the run were applied; a re-run goes on from it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'online-guards-'));
    try {
      await db.sql.unsafe('create table notes (id int primary key, body text)');
      await writeFile(
        join(dir, '0001-add-pinned.yaml'),
        'operations:\n  - op: add-column\n    table: notes\n    column: pinned\n    type: boolean\n',
      );
      await writeFile(
        join(dir, '0002-add-archived.yaml'),
        'operations:\n  - op: add-column\n    table: notes_missing\n    column: archived\n    type: boolean\n',
      );
      const first = await runCli(['migrate', dir, '--json'], db.url);
      expect(first.code).toBe(1);
      expect(first.stdout).toContain('table public.notes_missing does not exist');
      expect(first.stdout).toContain('after applying 0001-add-pinned.yaml');
      const [pinned] = await db.sql<
        { n: number }[]
      >`select count(*)::int as n from pg_attribute where attrelid = 'notes'::regclass and attname = 'pinned'`;
      expect(pinned?.n).toBe(1);

      // Nothing applied yet in this run: the same refusal is exit 2 again.
      const second = await runCli(['migrate', dir], db.url);
      expect(second.code).toBe(2);
      await db.sql.unsafe('alter table notes rename to notes_missing');
      const third = await runCli(['migrate', dir], db.url);
      expect(third.stderr).toBe('');
      expect(third.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
