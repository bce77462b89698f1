// Every example spec of examples/ (the tickets directory is migrate.test.ts's) passes pre-flight and
// plans on examples/tickets.sql, after what its own header says it needs: the SQL of its "e.g.:" lines,
// or "apply examples/<file> first". So an example and its instructions stay true together.
import { readdir, readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { completeMigration, loadSpecFile, planMigration, startMigration } from '../../src/index.js';
import { severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { exampleNeeds } from '../support/example-needs.js';
import { examplePath, loadExampleTickets } from '../support/tickets-fixture.js';

const files = (await readdir(examplePath('.'))).filter((file) => file.endsWith('.yaml')).sort();

describe('every example of examples/ plans on examples/tickets.sql, after what its header says it needs', severalCliRuns, () => {
  const db = useTestDatabase('examples');
  const applied = new Set<string>();
  beforeAll(async () => {
    await loadExampleTickets(db.sql);
  });

  it('found the examples', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files)('%s', async (file) => {
    const needs = exampleNeeds(await readFile(examplePath(file), 'utf8'));
    for (const statement of needs.sql) await db.sql.unsafe(statement);
    for (const first of needs.applyFirst.filter((name) => !applied.has(name))) {
      const spec = await loadSpecFile(examplePath(first));
      await startMigration({ databaseUrl: db.url, spec });
      expect(await completeMigration({ databaseUrl: db.url, migration: spec.name })).toMatchObject({ status: 'completed' });
      applied.add(first);
    }
    const spec = await loadSpecFile(examplePath(file));
    expect(spec.name).toBe(file.replace(/\.yaml$/, ''));
    const plan = await planMigration({ databaseUrl: db.url, spec });
    expect([...plan.expand, ...plan.contract].length + plan.backfill.length).toBeGreaterThan(0);
  });
});
