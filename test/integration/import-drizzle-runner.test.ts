// --mark-applied against drizzle's own runner (drizzle-orm's migrator, the code `drizzle-kit migrate`
// runs): after online imports a drizzle project and marks it applied, drizzle runs none of it, and
// online's `migrate` builds the schema. Without the marking, drizzle would run them itself.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { importFixturePath } from '../support/import-fixtures.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';

const project = importFixturePath('drizzle/drizzle');

/** drizzle-orm's migrator over `folder`, on its own connection. */
async function drizzleMigrate(url: string, folder: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    await migrate(drizzle(client), { migrationsFolder: folder });
  } finally {
    await client.end();
  }
}

const tablesOf = async (sql: postgres.Sql): Promise<string[]> =>
  (await sql<{ name: string }[]>`select tablename as name from pg_tables where schemaname = 'public' order by 1`).map((r) => r.name);

describe("online import --mark-applied, and drizzle's own migrator", severalCliRuns, () => {
  const db = useTestDatabase('import_drizzle_runner', { per: 'test' });

  it('runs none of the marked migrations; online migrate applies them', async () => {
    const work = await mkdtemp(join(tmpdir(), 'online-drizzle-'));
    try {
      // drizzle has run against this database before (an empty journal): its ledger table exists.
      const empty = join(work, 'empty');
      await mkdir(join(empty, 'meta'), { recursive: true });
      await writeFile(join(empty, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries: [] }));
      await drizzleMigrate(db.url, empty);

      const dir = join(work, 'migrations');
      const imported = await runCli(['import', project, '--dir', dir, '--mark-applied'], db.url);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toContain("marked 4 migrations applied in drizzle's ledger");

      await drizzleMigrate(db.url, project);
      expect(await tablesOf(db.sql)).toEqual([]);

      const migrated = await runCli(['migrate', dir], db.url);
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(await tablesOf(db.sql)).toEqual(['tickets', 'users']);
      await drizzleMigrate(db.url, project);
      expect(await tablesOf(db.sql)).toEqual(['tickets', 'users']);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('without the marking, drizzle runs them itself (what the marking prevents)', async () => {
    await drizzleMigrate(db.url, project);
    expect(await tablesOf(db.sql)).toEqual(['tickets', 'users']);
  });
});
