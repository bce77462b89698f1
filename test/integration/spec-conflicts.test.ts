import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseSnapshot } from '../support/catalog-snapshot.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';

// Two operations of one spec that contradict each other pass each one's pre-flight; the spec itself
// is refused instead, by every command that reads it, naming both operations.
const conflicting = [
  'operations:',
  '  - op: add-column',
  '    table: items',
  '    column: size',
  '    type: int',
  '  - op: create-index',
  '    table: items',
  '    columns: [v]',
  '  - op: change-type',
  '    table: items',
  '    column: v',
  '    type: bigint',
  '',
].join('\n');
const reason =
  'operations[2]: conflicts with operations[1]: create-index indexes or constrains column public.items.v, and change-type changes the type of it; put them in separate specs';

describe('conflicting operations in one spec', () => {
  const db = useTestDatabase('conflicts');
  let dir: string;
  let file: string;
  beforeAll(async () => {
    await db.sql`create table items (id bigint primary key, v int)`;
    await db.sql`insert into items select g, g from generate_series(1, 100) g`;
    dir = await mkdtemp(join(tmpdir(), 'online-conflicts-'));
    await mkdir(join(dir, 'migrations'));
    file = join(dir, 'migrations', '0001-items.yaml');
    await writeFile(file, conflicting);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['start', () => ['start', file]],
    ['start --dry-run', () => ['start', file, '--dry-run']],
    ['plan', () => ['plan', file]],
    ['check', () => ['check', join(dir, 'migrations')]],
    ['migrate', () => ['migrate', join(dir, 'migrations')]],
  ])('%s exits 2 with the paths of both operations, and changes nothing', async (_command, args) => {
    const before = await databaseSnapshot(db.sql);
    const result = await runCli(args(), db.url);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).toContain(reason);
    expect(await databaseSnapshot(db.sql)).toEqual(before);
  });
});
