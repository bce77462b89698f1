// Each tool's fixture, imported and migrated by online under application writers, ends with the schema
// that running the tool's SQL offline gives: the same catalog (relations, columns, constraints,
// indexes, triggers, functions, types, sequences), compared as the rehearsal tests compare a copy.
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrateDirectory } from '../../src/index.js';
import { importMigrations } from '../../src/import/import-migrations.js';
import { readSourceMigrations } from '../../src/import/sources/read-source.js';
import { databaseSnapshot } from '../support/catalog-snapshot.js';
import { startWriterLoops } from '../support/concurrent-writers.js';
import { importFixtures, insertUserAndTicket, touchBoth, type ImportFixture } from '../support/import-fixtures.js';
import { catalogDefinitions } from '../support/rehearsal-schema.js';
import { severalCliRuns } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const writers = 2;

/** The schema as compared: no ledger, no sequence position (the writers drew values only online). */
async function schemaOf(db: TestDatabase): Promise<string[]> {
  const items = [...(await databaseSnapshot(db.sql)), ...(await catalogDefinitions(db.sql, true))];
  return items
    .filter((item) => !item.includes('online_migrate') && !item.startsWith('recorded '))
    .map((item) => (item.startsWith('sequence ') ? item.split(' ').slice(0, 4).join(' ') : item))
    .sort();
}

/** The tool's own run: every migration's SQL, in its order, as one script each. */
async function applyOffline(db: TestDatabase, f: ImportFixture): Promise<void> {
  const { migrations } = await readSourceMigrations(f.source, f.tool);
  for (const m of migrations) await db.sql.unsafe(m.sql);
}

describe.each(importFixtures)('$tool fixture, imported', severalCliRuns, (f) => {
  it('migrates under writers with no writer error, to the schema the SQL gives offline', async () => {
    const offline = await createTestDatabase(`import_offline_${f.tool}`);
    const online = await createTestDatabase(`import_online_${f.tool}`);
    const dir = await mkdtemp(join(tmpdir(), 'online-import-'));
    const applied = await mkdtemp(join(tmpdir(), 'online-import-applied-'));
    try {
      await applyOffline(offline, f);
      const imported = await importMigrations({ source: f.source, from: f.tool, dir, schemaRef: '../online.schema.json' });
      expect(imported.migrations.every((m) => m.action === 'imported')).toBe(true);

      // One source migration after the other, as a team deploys them: the first creates the tables
      // before the application runs; the application is redeployed where the fixture says.
      const [created, ...later] = imported.migrations;
      const stage = async (specs: readonly { file: string }[]): Promise<void> => {
        for (const spec of specs) await copyFile(join(dir, spec.file), join(applied, spec.file));
        await migrateDirectory({ databaseUrl: online.url, dir: applied });
      };
      await stage(created?.specs ?? []);
      for (let n = 1; n <= 300; n++) await insertUserAndTicket(online.sql, f, n);

      let deployed: Readonly<Record<string, string>> = {};
      let inserted = 100_000;
      const traffic = startWriterLoops(online.url, writers, (sql, w, i) =>
        i % 3 === 0 ? insertUserAndTicket(sql, f, ++inserted, deployed) : touchBoth(sql, f, w, writers, i % 3 === 1),
      );
      for (const [index, migration] of later.entries()) {
        await traffic.waitForOperations(10);
        await stage(migration.specs);
        deployed = { ...deployed, ...f.deploys?.[index + 1] };
      }
      await traffic.waitForOperations(10);
      const report = await traffic.stop();

      expect(report.errors).toEqual([]);
      const ledger = await online.sql<{ name: string; status: string }[]>`select name, status from online_migrate.migrations order by name`;
      expect(ledger.length).toBe((await readdir(dir)).filter((file) => file.endsWith('.yaml')).length);
      expect(ledger.filter((m) => m.status !== 'completed')).toEqual([]);
      const schema = await schemaOf(online);
      console.log(`${f.tool}: ${ledger.length} specs migrated under ${report.operations} writes; ${schema.length} catalog items compared`);
      expect(schema.length).toBeGreaterThan(40);
      expect(schema).toEqual(await schemaOf(offline));
    } finally {
      await Promise.all([
        offline.drop(),
        online.drop(),
        rm(dir, { recursive: true, force: true }),
        rm(applied, { recursive: true, force: true }),
      ]);
    }
  });
});
