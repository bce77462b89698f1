import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { completeMigration, parseSpec, resumeMigration, startMigration, StoppedError } from '../../src/index.js';
import { startWriterLoops } from '../support/concurrent-writers.js';
import { expectOnlineError } from '../support/expect-online-error.js';
import { useTestDatabase } from '../support/test-database.js';

// online resolves `pick()` in schema `one` (its connection's search_path); the application's role
// resolves it in schema `two`. The backfill (online's connection) and the fill trigger (the
// application's sessions) must still agree: both use the search path pre-flight resolved it with.
describe('every function online creates pins the search path pre-flight resolved expressions with', () => {
  const role = `app_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(8).toString('hex');
  // Declared before the database, so it runs after the database (which the role owns objects in) is dropped.
  afterAll(async () => {
    const admin = postgres(inject('pgAdminUrl'), { max: 1, onnotice: () => undefined });
    await admin.unsafe(`drop role if exists ${role}`).finally(() => admin.end());
  });
  const db = useTestDatabase('search_path');
  let appUrl: string;

  beforeAll(async () => {
    const name = new URL(db.url).pathname.slice(1);
    await db.sql.unsafe(`
      create schema one;
      create schema two;
      create function one.pick() returns text language sql immutable as $$ select 'one' $$;
      create function two.pick() returns text language sql immutable as $$ select 'two' $$;
      create table public.items (id bigint generated always as identity primary key, v int not null);
      insert into public.items (v) select g from generate_series(1, 3000) g;
      alter database "${name}" set search_path = one, public;
      create role ${role} login password '${password}';
      alter role ${role} in database "${name}" set search_path = two, public;
      grant usage on schema one, two to ${role};
      grant select, insert, update on public.items to ${role};
      grant execute on function one.pick(), two.pick() to ${role};`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    appUrl = url.toString();
  });
  it('add-column with backfill: pick(): rows filled by the backfill and by the app’s trigger agree', async () => {
    // The setting holds: each side really resolves pick() differently.
    const app = postgres(appUrl, { max: 1, onnotice: () => undefined });
    const online = postgres(db.url, { max: 1, onnotice: () => undefined });
    try {
      expect((await app<{ v: string }[]>`select pick() as v`)[0]?.v).toBe('two');
      expect((await online<{ v: string }[]>`select pick() as v`)[0]?.v).toBe('one');
    } finally {
      await app.end();
      await online.end();
    }

    const writers = startWriterLoops(appUrl, 2, async (sql, n, i) => {
      if (i % 2 === 0) await sql`insert into items (v) values (${n * 100_000 + i})`;
      else await sql`update items set v = v + 1 where id = ${1 + ((i * 13) % 3000)}`;
    });
    const spec = parseSpec(
      { operations: [{ op: 'add-column', table: 'items', column: 'label', type: 'text', backfill: 'pick()' }] },
      'test',
    );
    await startMigration({ databaseUrl: db.url, spec, options: { batchSize: 300, minBatchSize: 300, maxBatchSize: 300 } });
    // The application inserts and updates while the fill trigger is in place.
    const appWhileInFlight = postgres(appUrl, { max: 1, onnotice: () => undefined });
    await appWhileInFlight`insert into items (v) select g from generate_series(1, 50) g`.finally(() => appWhileInFlight.end());
    const traffic = await writers.stop();
    expect(traffic.errors).toEqual([]);
    await completeMigration({ databaseUrl: db.url });

    const labels = await db.sql<
      { label: string | null; n: number }[]
    >`select label, count(*)::int as n from items group by label order by label`;
    const [total] = await db.sql<{ n: number }[]>`select count(*)::int as n from items`;
    expect(labels).toEqual([{ label: 'one', n: total?.n }]);
    expect(total?.n).toBeGreaterThan(3050);
  });

  it('resume and complete run the batches and the completeness check with the planned search path, whatever the session’s', async () => {
    await db.sql`create table public.more_items (id bigint generated always as identity primary key, v int not null)`;
    await db.sql`insert into public.more_items (v) select g from generate_series(1, 2000) g`;
    // A window two hours away: start expands, then stops before the first batch (exit 3).
    const opens = new Date(Date.now() + 2 * 3_600_000);
    const clock = (d: Date): string => d.toISOString().slice(11, 16);
    const window = `${clock(opens)}-${clock(new Date(opens.getTime() + 3_600_000))}`;
    const spec = parseSpec(
      {
        name: 'label-more-items',
        operations: [{ op: 'add-column', table: 'more_items', column: 'label', type: 'text', backfill: 'pick()' }],
      },
      'test',
    );
    await expectOnlineError(
      startMigration({ databaseUrl: db.url, spec, options: { windows: [window], timezone: 'UTC', windowExit: true } }),
      StoppedError,
      { exitCode: 3, code: 'STOPPED' },
    );
    // From now on, online's own sessions cannot resolve pick() at all.
    const name = new URL(db.url).pathname.slice(1);
    await db.sql.unsafe(`alter database "${name}" set search_path = public`);
    const fresh = postgres(db.url, { max: 1, onnotice: () => undefined });
    await expect(fresh`select pick()`).rejects.toThrow(/function pick\(\) does not exist/);
    await fresh.end();

    expect(await resumeMigration({ databaseUrl: db.url, migration: spec.name, overrides: { windows: [] } })).toMatchObject({
      status: 'awaiting_contract',
    });
    expect(await completeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
    const labels = await db.sql<{ label: string | null; n: number }[]>`select label, count(*)::int as n from more_items group by label`;
    expect(labels).toEqual([{ label: 'one', n: 2000 }]);
  });
});
