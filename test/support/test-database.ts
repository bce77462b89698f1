// Gives each test file its own database on the shared server, dropped at the end: `useTestDatabase`.
//
// How a test file gets its database (the one fixture every integration file uses):
//
//   const db = useTestDatabase('add_check');        // at the top of the file or of a describe
//   beforeAll(async () => { await db.sql`create table …`; });   // the file's own seed, if any
//   it('…', async () => { await startMigration({ databaseUrl: db.url, spec }); });
//
// `useTestDatabase` registers the hooks that create the database before the first test of the scope
// it is called in and drop it after the last (`{ per: 'test' }`: a fresh one for every test). It
// returns a handle at once, so the file declares no `let db` and no hooks of its own for it; its url
// and sql are read inside tests and hooks. Hooks run in the order they are declared and after-hooks in
// reverse (vitest's `sequence.hooks: 'stack'`), so a seed declared after it sees the database, and
// an afterAll declared after it (stopping writers, closing pools) runs before the drop.
// A test that needs several databases at once (a reference run beside the real one) calls
// `createTestDatabase` and drops them itself.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';

export interface TestDatabase {
  readonly url: string;
  /** A superuser connection to the test database, for setup and assertions. */
  readonly sql: postgres.Sql;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `${prefix.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 4, onnotice: () => undefined, prepare: false });
  return {
    url: url.toString(),
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => undefined });
      await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      await cleanup.end();
    },
  };
}

export interface TestDatabaseOptions {
  /** 'scope' (the default): one database for the tests of the file or describe; 'test': one per test. */
  readonly per?: 'scope' | 'test';
}

/**
 * The database of the enclosing file or describe (see the top of this file). Its url and sql exist only
 * inside tests and hooks.
 */
export function useTestDatabase(prefix: string, options: TestDatabaseOptions = {}): TestDatabase {
  let db: TestDatabase | undefined;
  const [before, after] = options.per === 'test' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    db = await createTestDatabase(prefix);
  });
  after(async () => {
    await db?.drop();
    db = undefined;
  });
  const current = (): TestDatabase => {
    if (db === undefined) throw new Error(`the database ${prefix} exists only inside the tests and hooks that use it`);
    return db;
  };
  return {
    get url() {
      return current().url;
    },
    get sql() {
      return current().sql;
    },
    drop: () => current().drop(),
  };
}
