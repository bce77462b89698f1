import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportError } from '../../src/errors/index.js';
import type { SourceMigration } from '../../src/import/import-types.js';
import { sourceStatements } from '../../src/import/source-statements.js';
import { readSourceMigrations } from '../../src/import/sources/read-source.js';
import { expectOnlineError } from '../support/expect-online-error.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'import');
const ids = (read: { migrations: readonly { id: string }[] }): string[] => read.migrations.map((m) => m.id);

const temporary: string[] = [];
afterEach(async () => {
  for (const dir of temporary.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A directory holding `files` (relative path → content). */
async function layout(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'online-import-'));
  temporary.push(dir);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), content);
  }
  return dir;
}

describe('Prisma: migrations/<timestamp>_<name>/migration.sql in name order', () => {
  const order = [
    '20240115093000_init',
    '20240220141500_add_priority_and_assignee',
    '20240305110000_add_comments',
    '20240410160000_drop_customer_email',
  ];

  it.each([
    ['the repository root', ''],
    ['prisma/', 'prisma'],
    ['the migrations directory', 'prisma/migrations'],
  ])('is found from %s, detected without --from', async (_, sub) => {
    const read = await readSourceMigrations(join(fixtures, 'prisma', sub));
    expect(read.tool).toBe('prisma');
    expect(ids(read)).toEqual(order);
    expect(read.migrations[0]).toMatchObject({ firstLine: 1, tool: 'prisma' });
    expect(read.migrations[0]?.sql.startsWith('-- CreateEnum\nCREATE TYPE "TicketStatus"')).toBe(true);
  });

  it('names each file relative to the path given', async () => {
    const read = await readSourceMigrations(join(fixtures, 'prisma'));
    expect(read.migrations[1]?.file).toBe('prisma/migrations/20240220141500_add_priority_and_assignee/migration.sql');
  });

  it('refuses a lock file for another provider', async () => {
    const dir = await layout({
      'migrations/migration_lock.toml': 'provider = "mysql"\n',
      'migrations/20240101000000_init/migration.sql': 'select 1;\n',
    });
    await expectOnlineError(readSourceMigrations(dir, 'prisma'), ImportError, {
      exitCode: 2,
      code: 'IMPORT_SOURCE_NOT_POSTGRES',
      message: 'mysql',
    });
  });

  it('refuses a migration directory without migration.sql', async () => {
    const dir = await layout({
      'migrations/migration_lock.toml': 'provider = "postgresql"\n',
      'migrations/20240101000000_init/README': 'x',
    });
    await expectOnlineError(readSourceMigrations(dir, 'prisma'), ImportError, {
      exitCode: 2,
      code: 'IMPORT_SOURCE_LAYOUT',
      message: 'without migration.sql',
    });
  });
});

describe('drizzle: meta/_journal.json in idx order, <tag>.sql beside it', () => {
  it('reads the journal in order with each entry its when, detected without --from', async () => {
    const read = await readSourceMigrations(join(fixtures, 'drizzle'));
    expect(read.tool).toBe('drizzle');
    expect(ids(read)).toEqual(['0000_lush_wolverine', '0001_brave_sentinel', '0002_backfill_search_title', '0003_flawless_nightcrawler']);
    expect(read.migrations.map((m) => m.when)).toEqual([1717400000000, 1718600000000, 1719800000000, 1721000000000]);
    expect(read.migrations[2]?.file).toBe('drizzle/0002_backfill_search_title.sql');
  });

  it('reads the out directory itself', async () => {
    expect((await readSourceMigrations(join(fixtures, 'drizzle', 'drizzle'))).tool).toBe('drizzle');
  });

  const journal = (dialect: string, entries: readonly object[]): string => JSON.stringify({ version: '7', dialect, entries });
  const entry = (idx: number, tag: string, when = 1700000000000 + idx): object => ({ idx, version: '7', when, tag, breakpoints: true });

  it('refuses a journal entry without its file', async () => {
    const dir = await layout({
      'meta/_journal.json': journal('postgresql', [entry(0, '0000_a'), entry(1, '0001_b')]),
      '0000_a.sql': 'select 1;',
    });
    await expectOnlineError(readSourceMigrations(dir), ImportError, { exitCode: 2, code: 'IMPORT_SOURCE_LAYOUT', message: '0001_b.sql' });
  });

  it('refuses a journal for another dialect', async () => {
    const dir = await layout({ 'meta/_journal.json': journal('sqlite', [entry(0, '0000_a')]), '0000_a.sql': 'select 1;' });
    await expectOnlineError(readSourceMigrations(dir), ImportError, { exitCode: 2, code: 'IMPORT_SOURCE_NOT_POSTGRES', message: 'sqlite' });
  });

  it('refuses a journal that is not drizzle-kit’s shape, naming the field', async () => {
    const dir = await layout({ 'meta/_journal.json': JSON.stringify({ dialect: 'postgresql', entries: [{ idx: 0, tag: '0000_a' }] }) });
    await expectOnlineError(readSourceMigrations(dir), ImportError, {
      exitCode: 2,
      code: 'IMPORT_SOURCE_JOURNAL',
      message: 'entries.0.when',
    });
  });

  it('refuses entries out of idx or when order (drizzle would skip one)', async () => {
    const files = { '0000_a.sql': 'select 1;', '0001_b.sql': 'select 2;' };
    const swapped = await layout({ ...files, 'meta/_journal.json': journal('postgresql', [entry(1, '0001_b'), entry(0, '0000_a')]) });
    await expectOnlineError(readSourceMigrations(swapped), ImportError, { exitCode: 2, code: 'IMPORT_SOURCE_ORDER' });
    const sameWhen = await layout({
      ...files,
      'meta/_journal.json': journal('postgresql', [entry(0, '0000_a', 5), entry(1, '0001_b', 5)]),
    });
    await expectOnlineError(readSourceMigrations(sameWhen), ImportError, { exitCode: 2, code: 'IMPORT_SOURCE_ORDER' });
  });
});

describe('node-pg-migrate: <timestamp>_<name>.sql, only the Up part', () => {
  it('reads the up part of each file in timestamp order, from its marker line', async () => {
    const read = await readSourceMigrations(join(fixtures, 'node-pg-migrate', 'migrations'));
    expect(read.tool).toBe('node-pg-migrate');
    expect(ids(read)).toEqual([
      '1717400000000_init',
      '1718600000000_add-ticket-category',
      '1719800000000_estimate-precision',
      '1721000000000_drop-legacy-ref',
    ]);
    for (const m of read.migrations) {
      expect(m.sql).not.toMatch(/Down Migration/);
      expect(m.sql).not.toMatch(/DROP TABLE/);
    }
  });

  it('finds migrations/ below the project given, each file named from there', async () => {
    const read = await readSourceMigrations(join(fixtures, 'node-pg-migrate'));
    expect(read.tool).toBe('node-pg-migrate');
    expect(read.migrations).toHaveLength(4);
    expect(read.migrations[0]?.file).toBe('migrations/1717400000000_init.sql');
  });

  it('firstLine is the line of the Up marker, and a Down part first is left out', async () => {
    const dir = await layout({
      '1700000000000_x.sql': '-- Down Migration\nDROP TABLE t;\n\n-- Up Migration\nCREATE TABLE t (id int);\n',
      '1700000000001_y.sql': '/* header */\n\n--up migration\nSELECT 1;\n',
    });
    const read = await readSourceMigrations(dir, 'node-pg-migrate');
    // node-pg-migrate's marker pattern (`^\\s*--…`, multiline) starts at the blank line above the marker: so does the part it runs.
    expect(read.migrations[0]).toMatchObject({ sql: '\n-- Up Migration\nCREATE TABLE t (id int);\n', firstLine: 3 });
    const [create] = (await sourceStatements(read.migrations[0] as SourceMigration)).statements;
    expect(create?.line).toBe(5);
    expect(read.migrations[1]).toMatchObject({ sql: '\n--up migration\nSELECT 1;\n', firstLine: 2 });
  });

  it('orders by the numeric prefix, as node-pg-migrate does (not by name)', async () => {
    const dir = await layout({ '900_b.sql': '-- Up Migration\nselect 1;', '1000_a.sql': '-- Up Migration\nselect 2;' });
    expect(ids(await readSourceMigrations(dir, 'node-pg-migrate'))).toEqual(['900_b', '1000_a']);
  });

  it('refuses JavaScript/TypeScript migrations, naming the files', async () => {
    const dir = await layout({
      '1700000000000_init.sql': '-- Up Migration\nselect 1;\n',
      '1700000000001_seed.js': 'exports.up = (pgm) => {};\n',
      '1700000000002_more.ts': 'export const up = () => {};\n',
    });
    const error = await expectOnlineError(readSourceMigrations(dir), ImportError, { exitCode: 2, code: 'IMPORT_SOURCE_PROGRAM' });
    expect(error.message).toContain('1700000000001_seed.js');
    expect(error.message).toContain('1700000000002_more.ts');
  });
});

describe('Flyway: V<version>__<description>.sql in version order', () => {
  it('orders versions numerically part by part (V1 < V1.1 < V2 < V3 < V10), skipping R__ and U scripts with why', async () => {
    const read = await readSourceMigrations(join(fixtures, 'flyway', 'sql'));
    expect(read.tool).toBe('flyway');
    expect(ids(read)).toEqual([
      'V1__create_tickets_schema.sql',
      'V1_1__ticket_channel.sql',
      'V2__channel_required.sql',
      'V3__assignee_and_constraints.sql',
      'V10__ratings_replace_archive.sql',
    ]);
    expect(read.skipped.map((s) => s.file).sort()).toEqual(['R__open_tickets_view.sql', 'U2__channel_required.sql']);
    expect(read.skipped.find((s) => s.file.startsWith('R__'))?.reason).toMatch(/repeatable/);
    expect(read.skipped.find((s) => s.file.startsWith('U2'))?.reason).toMatch(/undo/);
  });

  it('finds the location below the project given (sql/), ids being the paths below the location as Flyway records them', async () => {
    const read = await readSourceMigrations(join(fixtures, 'flyway'));
    expect(read.tool).toBe('flyway');
    expect(ids(read)[0]).toBe('V1__create_tickets_schema.sql');
    expect(read.migrations[0]?.file).toBe('sql/V1__create_tickets_schema.sql');
    const java = await layout({
      'src/main/resources/db/migration/V1__a.sql': 'select 1;',
      'src/main/resources/db/migration/V2__b.sql': 'select 2;',
    });
    expect(ids(await readSourceMigrations(java))).toEqual(['V1__a.sql', 'V2__b.sql']);
  });

  it('V1.1 and V1_1 are the same version: refused as Flyway refuses it', async () => {
    const dir = await layout({ 'V1.1__a.sql': 'select 1;', 'V1_1__b.sql': 'select 2;' });
    await expectOnlineError(readSourceMigrations(dir, 'flyway'), ImportError, {
      exitCode: 2,
      code: 'IMPORT_SOURCE_LAYOUT',
      message: 'same version 1.1',
    });
  });

  it('scans subdirectories, the id being the path below the location', async () => {
    const dir = await layout({ 'V1__a.sql': 'select 1;', 'later/V1.2__b.sql': 'select 2;', 'V1.10__c.sql': 'select 3;' });
    expect(ids(await readSourceMigrations(dir))).toEqual(['V1__a.sql', 'later/V1.2__b.sql', 'V1.10__c.sql']);
  });

  it('refuses a ${placeholder} with its line', async () => {
    const dir = await layout({ 'V1__a.sql': 'create table t (id int);\ngrant select on t to ${app_user};\n' });
    await expectOnlineError(readSourceMigrations(dir), ImportError, {
      exitCode: 2,
      code: 'IMPORT_SOURCE_PLACEHOLDER',
      message: 'V1__a.sql:2',
    });
  });
});

describe('plain SQL: a file, or a directory in byte order of name', () => {
  it('reads a directory in byte order (uppercase before lowercase, 10 before 9)', async () => {
    const dir = await layout({
      'b.sql': 'select 2;',
      'a.sql': 'select 1;',
      'B.sql': 'select 0;',
      '10_x.sql': 'select 10;',
      '9_x.sql': 'select 9;',
      'notes.txt': 'x',
    });
    const read = await readSourceMigrations(dir);
    expect(read.tool).toBe('sql');
    expect(ids(read)).toEqual(['10_x', '9_x', 'B', 'a', 'b']);
  });

  it('reads one file, its id its name without .sql', async () => {
    const dir = await layout({ 'add-priority.sql': 'alter table t add column p int;\n' });
    const read = await readSourceMigrations(join(dir, 'add-priority.sql'));
    expect(read.migrations).toEqual([
      {
        tool: 'sql',
        id: 'add-priority',
        file: 'add-priority.sql',
        path: join(dir, 'add-priority.sql'),
        sql: 'alter table t add column p int;\n',
        firstLine: 1,
      },
    ]);
  });

  it('a leading byte-order mark is not part of the SQL', async () => {
    const dir = await layout({ 'a.sql': '\uFEFFselect 1;\n' });
    expect((await readSourceMigrations(dir)).migrations[0]?.sql).toBe('select 1;\n');
  });

  it('the refused fixture set reads as plain SQL', async () => {
    expect(ids(await readSourceMigrations(join(fixtures, 'refused')))).toEqual([
      '001_create_tickets',
      '002_move_tickets_tablespace',
      '003_vacuum_full_tickets',
      '004_cluster_tickets',
    ]);
  });
});

describe('detection and its errors', () => {
  it('an empty directory is a clear error', async () => {
    const dir = await layout({ 'README.md': 'nothing here' });
    await expectOnlineError(readSourceMigrations(dir), ImportError, { exitCode: 2, code: 'IMPORT_SOURCE_EMPTY' });
  });

  it('a missing path is a clear error', async () => {
    await expectOnlineError(readSourceMigrations('/nonexistent/migrations'), ImportError, { exitCode: 2, code: 'IMPORT_SOURCE_MISSING' });
  });

  it('a drizzle journal beside Prisma migrations is ambiguous, and --from settles it', async () => {
    const dir = await layout({
      'drizzle/meta/_journal.json': JSON.stringify({ version: '7', dialect: 'postgresql', entries: [{ idx: 0, when: 1, tag: '0000_a' }] }),
      'drizzle/0000_a.sql': 'select 1;',
      'prisma/migrations/20240101000000_init/migration.sql': 'select 2;',
    });
    await expectOnlineError(readSourceMigrations(dir), ImportError, {
      exitCode: 2,
      code: 'IMPORT_SOURCE_AMBIGUOUS',
      message: '--from drizzle|prisma',
    });
    expect(ids(await readSourceMigrations(dir, 'prisma'))).toEqual(['20240101000000_init']);
    expect(ids(await readSourceMigrations(dir, 'drizzle'))).toEqual(['0000_a']);
  });

  it('V<n>__ names beside Up markers are ambiguous', async () => {
    const dir = await layout({ 'V1__a.sql': 'select 1;', '1700000000000_b.sql': '-- Up Migration\nselect 2;' });
    await expectOnlineError(readSourceMigrations(dir), ImportError, { exitCode: 2, code: 'IMPORT_SOURCE_AMBIGUOUS' });
  });

  it('a single V<n>__ file is Flyway, a single file with an Up marker node-pg-migrate', async () => {
    const dir = await layout({
      'V2__a.sql': 'select 1;',
      '1700000000000_b.sql': '-- Up Migration\nselect 2;\n-- Down Migration\nselect 3;\n',
    });
    expect(await readSourceMigrations(join(dir, 'V2__a.sql'))).toMatchObject({ tool: 'flyway', migrations: [{ id: 'V2__a.sql' }] });
    expect(await readSourceMigrations(join(dir, '1700000000000_b.sql'))).toMatchObject({
      tool: 'node-pg-migrate',
      migrations: [{ id: '1700000000000_b', sql: '-- Up Migration\nselect 2;\n' }],
    });
  });

  it('a file given for a directory-only tool is an error', async () => {
    const dir = await layout({ 'x.sql': 'select 1;' });
    await expectOnlineError(readSourceMigrations(join(dir, 'x.sql'), 'prisma'), ImportError, { exitCode: 2, code: 'IMPORT_SOURCE_LAYOUT' });
  });
});

describe('every fixture parses, and each statement’s line is where it starts in the file', () => {
  it.each([['prisma'], ['drizzle'], ['node-pg-migrate'], ['flyway'], ['refused']])('%s', async (fixture) => {
    const read = await readSourceMigrations(join(fixtures, fixture));
    let count = 0;
    for (const m of read.migrations) {
      const lines = (await readFile(m.path, 'utf8')).split('\n');
      for (const statement of (await sourceStatements(m)).statements) {
        const firstWords = statement.sql.split('\n')[0] ?? '';
        expect(lines[statement.line - 1], `${m.file}:${statement.line}`).toContain(firstWords);
        count++;
      }
    }
    expect(count).toBeGreaterThan(read.migrations.length);
  });
});
