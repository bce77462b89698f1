import type postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { completeMigration, parseSpec, rollbackMigration, startMigration, type OperationSpec } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriterLoops } from '../support/concurrent-writers.js';
import { useTestDatabase } from '../support/test-database.js';

// Table `a_b` column `c` and table `a` column `b_c` read alike as `a_b_c`: the objects online creates
// for one must never be the other's.
const options = { batchSize: 200, minBatchSize: 200, maxBatchSize: 200 };

async function createPair(sql: postgres.Sql, first: string, second: string, column: string): Promise<void> {
  for (const table of [first, second]) {
    await sql.unsafe(`create table "${table}" (id bigint generated always as identity primary key, v int not null, ${column} int)`);
    await sql.unsafe(`insert into "${table}" (v, ${column}) select g, g from generate_series(1, 2000) g`);
  }
}

/** Inserts into and updates both tables, as an application that knows nothing of the migrations. */
function writeBoth(url: string, tables: readonly string[]): ReturnType<typeof startWriterLoops> {
  return startWriterLoops(url, 2, async (sql, n, i) => {
    const table = tables[(n + i) % tables.length] as string;
    if (i % 2 === 0) await sql`insert into ${sql(table)} (v) values (${i})`;
    else await sql`update ${sql(table)} set v = v + 1 where id = ${1 + ((i * 7) % 2000)}`;
  });
}

const start = (name: string, operation: OperationSpec | Record<string, unknown>, url: string): ReturnType<typeof startMigration> =>
  startMigration({ databaseUrl: url, spec: parseSpec({ name, operations: [operation] }, 'test'), options });

describe('objects of migrations on look-alike targets never collide', () => {
  const db = useTestDatabase('names');

  it('add-column with backfill on a_b.c and a.b_c: both in flight, writers error-free, both complete', async () => {
    await createPair(db.sql, 'a_b', 'a', 'w');
    const writers = writeBoth(db.url, ['a_b', 'a']);
    await start('fill-a_b-c', { op: 'add-column', table: 'a_b', column: 'c', type: 'int', backfill: 'v * 2', nullable: false }, db.url);
    await start('fill-a-b_c', { op: 'add-column', table: 'a', column: 'b_c', type: 'int', backfill: 'v * 3', nullable: false }, db.url);
    // Both sets of triggers are in place: each table's inserts are filled by its own function. (The
    // writers stop before contract: after it, an application must write the NOT NULL column itself.)
    await db.sql`insert into a_b (v) select g from generate_series(1, 50) g`;
    await db.sql`insert into a (v) select g from generate_series(1, 50) g`;
    await writers.waitForOperations(20);
    const traffic = await writers.stop();
    expect(traffic.errors).toEqual([]);
    await completeMigration({ databaseUrl: db.url, migration: 'fill-a_b-c' });
    await completeMigration({ databaseUrl: db.url, migration: 'fill-a-b_c' });
    const [wrong] = await db.sql<{ ab: number; a: number; inserted: number }[]>`
      select (select count(*)::int from a_b where c is distinct from v * 2) as ab,
             (select count(*)::int from a where b_c is distinct from v * 3) as a,
             (select count(*)::int from a_b where id > 2000) + (select count(*)::int from a where id > 2000) as inserted`;
    expect(wrong).toMatchObject({ ab: 0, a: 0 });
    expect(wrong?.inserted).toBeGreaterThan(0);
    expect((await catalogSnapshot(db.sql, 'a_b')).onlineFunctions).toEqual([]);
  });

  it('the same pair started, then rolled back one after the other, leaves both tables as they were', async () => {
    await createPair(db.sql, 'p_q', 'p', 'w');
    const before = { pq: await catalogSnapshot(db.sql, 'p_q'), p: await catalogSnapshot(db.sql, 'p') };
    const writers = writeBoth(db.url, ['p_q', 'p']);
    await start('fill-p_q-r', { op: 'add-column', table: 'p_q', column: 'r', type: 'int', backfill: 'v', nullable: false }, db.url);
    await start('fill-p-q_r', { op: 'add-column', table: 'p', column: 'q_r', type: 'int', backfill: 'v', nullable: false }, db.url);
    expect(await rollbackMigration({ databaseUrl: db.url, migration: 'fill-p_q-r' })).toMatchObject({ status: 'rolled_back' });
    // The other migration's triggers still serve its table after the first one's rollback.
    await db.sql`insert into p (v) select g from generate_series(1, 50) g`;
    const [unfilled] = await db.sql<{ n: number }[]>`select count(*)::int as n from p where q_r is null`;
    expect(unfilled?.n).toBe(0);
    expect(await rollbackMigration({ databaseUrl: db.url, migration: 'fill-p-q_r' })).toMatchObject({ status: 'rolled_back' });
    const traffic = await writers.stop();
    expect(traffic.errors).toEqual([]);
    expect({ pq: await catalogSnapshot(db.sql, 'p_q'), p: await catalogSnapshot(db.sql, 'p') }).toEqual(before);
  });

  it('change-type on x_y.z and rename-column of x.y_z: both in flight under writers, both complete', async () => {
    await createPair(db.sql, 'x_y', 'x', 'z');
    await db.sql`alter table x rename column z to y_z`;
    const writers = writeBoth(db.url, ['x_y', 'x']);
    await start('retype-x_y-z', { op: 'change-type', table: 'x_y', column: 'z', type: 'bigint' }, db.url);
    await start('rename-x-y_z', { op: 'rename-column', table: 'x', column: 'y_z', to: 'renamed' }, db.url);
    await db.sql`insert into x_y (v, z) select g, g from generate_series(1, 50) g`;
    await db.sql`insert into x (v, y_z) select g, g from generate_series(1, 50) g`;
    await completeMigration({ databaseUrl: db.url, migration: 'retype-x_y-z' });
    await completeMigration({ databaseUrl: db.url, migration: 'rename-x-y_z' });
    const traffic = await writers.stop();
    expect(traffic.errors).toEqual([]);
    const [shape] = await db.sql<{ z: string; renamed: string }[]>`
      select format_type((select atttypid from pg_attribute where attrelid = 'x_y'::regclass and attname = 'z'), null) as z,
             format_type((select atttypid from pg_attribute where attrelid = 'x'::regclass and attname = 'renamed'), null) as renamed`;
    expect(shape).toEqual({ z: 'bigint', renamed: 'integer' });
    const [kept] = await db.sql<{ n: number }[]>`
      select (select count(*)::int from x_y where (id <= 2000 and z = id) or (id > 2000 and z = v))
           + (select count(*)::int from x where (id <= 2000 and renamed = id) or (id > 2000 and renamed = v)) as n`;
    // The original values, and the 50 rows per table written with a value while both were in flight.
    expect(kept?.n).toBe(4100);
  });

  it('names at the 63-byte limit: change-type on two tables, add-column on two more, whose 63-byte names differ only in the last byte, a multibyte column name, all in flight', async () => {
    const tables = ['1', '2', '3', '4'].map((last) => 't'.repeat(62) + last);
    // 31 two-byte letters and one more: 63 bytes, 32 characters. Names cut from it must not split a letter.
    const column = 'é'.repeat(31) + 'z';
    const added = 'é'.repeat(30) + 'new';
    expect([...tables, column].map((n) => Buffer.byteLength(n))).toEqual([63, 63, 63, 63, 63]);
    await createPair(db.sql, tables[0] as string, tables[1] as string, `"${column}"`);
    await createPair(db.sql, tables[2] as string, tables[3] as string, `"${column}"`);
    const before = await Promise.all(tables.map((t) => catalogSnapshot(db.sql, t)));
    const writers = writeBoth(db.url, tables);
    const migrations = tables.map((table, i) => ({
      name: `long-${i}`,
      operation:
        i < 2
          ? { op: 'change-type', table, column, type: 'bigint' }
          : { op: 'add-column', table, column: added, type: 'int', default: '0', backfill: 'v * 2', nullable: false },
    }));
    for (const m of migrations) await start(m.name, m.operation, db.url);
    for (const m of [...migrations].reverse()) await rollbackMigration({ databaseUrl: db.url, migration: m.name });
    expect(await Promise.all(tables.map((t) => catalogSnapshot(db.sql, t)))).toEqual(before);
    for (const m of migrations) await start(m.name, m.operation, db.url);
    // The writers stop before contract: once add-column's trigger is gone an unaware update leaves the
    // derived column as it was, by design, which would blur the check of what the triggers kept right.
    const traffic = await writers.stop();
    expect(traffic.errors).toEqual([]);
    for (const m of migrations) await completeMigration({ databaseUrl: db.url, migration: m.name });
    for (const [i, table] of tables.entries()) {
      // Seeded rows keep their value; every row has the added column right.
      const wrong = i < 2 ? `id <= 2000 and "${column}" is distinct from id` : `"${added}" is distinct from v * 2`;
      const [rows] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${table}" where ${wrong}`);
      expect(rows?.n).toBe(0);
    }
    const types = await db.sql<{ type: string }[]>`
      select format_type(atttypid, null) as type from pg_attribute where attname = ${column} and attrelid in (${`"${tables[0]}"`}::regclass, ${`"${tables[1]}"`}::regclass)`;
    expect(types.map((t) => t.type)).toEqual(['bigint', 'bigint']);
    // Nothing of any migration is left: no trigger, no function, no helper constraint.
    const [left] = await db.sql<{ n: number }[]>`
      select ((select count(*) from pg_trigger where not tgisinternal) + (select count(*) from pg_proc where pronamespace = 'public'::regnamespace)
           + (select count(*) from pg_constraint where conname like 'online%'))::int as n`;
    expect(left?.n).toBe(0);
  });
});
