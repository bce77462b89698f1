// Gives each test file its own database on the shared server, dropped at the end.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, inject } from 'vitest';

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

/**
 * A database for the tests of the enclosing describe: created before its first test, dropped after its
 * last. Read its url and sql only inside tests and hooks.
 */
export function describeTestDatabase(prefix: string): TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(prefix);
  });
  afterAll(async () => {
    await db?.drop();
  });
  const current = (): TestDatabase => {
    if (db === undefined) throw new Error(`the database ${prefix} exists only inside the describe's tests`);
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
