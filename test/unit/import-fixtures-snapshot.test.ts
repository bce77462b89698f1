// What `online import` writes for each tool's fixture, file by file, as reviewed and committed under
// test/fixtures/import-expected/<tool>/: a change in translation shows up as a diff of these specs.
// And the refused set: every unsafe statement listed with its reason and suggestion, nothing written.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ImportRefusedError } from '../../src/errors/index.js';
import { importMigrations } from '../../src/import/import-migrations.js';
import { readSourceMigrations } from '../../src/import/sources/read-source.js';
import { importFixturePath, importFixtures } from '../support/import-fixtures.js';

async function importInto<T>(
  source: string,
  from: Parameters<typeof importMigrations>[0]['from'],
  use: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'online-import-snapshot-'));
  try {
    await importMigrations({ source, ...(from === undefined ? {} : { from }), dir, schemaRef: '../../../online.schema.json' });
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('online import of the fixtures', () => {
  it.each(importFixtures)('$tool: the generated specs', async (f) => {
    await importInto(f.source, f.tool, async (dir) => {
      const files = (await readdir(dir)).sort();
      expect(files.length).toBeGreaterThan(0);
      // No reviewed spec left behind that the import no longer writes.
      const expected = fileURLToPath(new URL(`../fixtures/import-expected/${f.tool}/`, import.meta.url));
      expect((await readdir(expected)).filter((file) => file.endsWith('.yaml')).sort()).toEqual(files);
      for (const file of files) {
        await expect(await readFile(join(dir, file), 'utf8')).toMatchFileSnapshot(`../fixtures/import-expected/${f.tool}/${file}`);
      }
    });
  });

  it.each(importFixtures)('$tool: detected from its layout', async (f) => {
    expect((await readSourceMigrations(f.source)).tool).toBe(f.tool);
  });

  it('refuses the unsafe set, every statement with its reason and a suggestion, and writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'online-import-refused-'));
    try {
      const error = await importMigrations({ source: importFixturePath('refused'), from: 'sql', dir, schemaRef: 'x' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ImportRefusedError);
      const refusals = (error as ImportRefusedError).refusals;
      expect(refusals.map((r) => r.where)).toEqual([
        '002_move_tickets_tablespace.sql:2',
        '003_vacuum_full_tickets.sql:2',
        '004_cluster_tickets.sql:3',
      ]);
      for (const r of refusals) {
        expect(r.reason).not.toBe('');
        expect(r.suggestion).not.toBe('');
      }
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
