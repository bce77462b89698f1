import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DirectoryCheck } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets } from '../support/tickets-fixture.js';
import {
  applyTicketSpec,
  ledgerExists,
  seedExampleTickets,
  tempTicketsProject,
  ticketFiles,
  type TempProject,
} from '../support/tickets-directory.js';

describe('check', severalCliRuns, () => {
  const db = useTestDatabase('check', { per: 'test' });
  let project: TempProject;
  beforeEach(async () => {
    project = await tempTicketsProject();
  });
  afterEach(async () => {
    await project.remove();
  });

  /** Every user relation (tables, indexes, sequences), to show nothing was created. */
  const relations = async (): Promise<string[]> =>
    (
      await db.sql<{ name: string }[]>`
        select c.oid::regclass::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname not like 'pg\_%' and n.nspname <> 'information_schema' order by 1`
    ).map((r) => r.name);

  it('fails (exit 2) on invalid specs without a database, naming each file and its problem', async () => {
    await writeFile(
      join(project.migrations, '0010-no-type.yaml'),
      'operations:\n  - op: add-column\n    table: tickets\n    column: team\n',
    );
    await writeFile(join(project.migrations, '0011-not-yaml.yaml'), 'operations: [\n');
    await writeFile(
      join(project.migrations, '0012-same-name.yaml'),
      'name: 0002-ticket-priority\noperations:\n  - op: drop-index\n    table: tickets\n    name: tickets_priority_idx\n',
    );
    const result = await runCli(['check', project.migrations], '');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    for (const file of await ticketFiles())
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ok {5}${file.replace('.', '\\.')} +valid$`)));
    expect(result.stdout).toMatch(/^error {2}0010-no-type\.yaml +operations\[0\]\.type: required$/m);
    expect(result.stdout).toMatch(/^error {2}0011-not-yaml\.yaml +not valid YAML at line \d+: .+$/m);
    expect(result.stdout).toMatch(
      /^error {2}0012-same-name\.yaml +migration name "0002-ticket-priority" is already used by 0002-ticket-priority\.yaml$/m,
    );
    expect(lines.at(-1)).toBe(
      '12 files: 9 ok, 3 errors (no database given: specs validated only; give one (--database-url or DATABASE_URL) to check drift and pre-flight too)',
    );

    const json = await runCli(['check', project.migrations, '--json'], '');
    expect(json.code).toBe(2);
    const check = JSON.parse(json.stdout) as DirectoryCheck;
    expect(check).toMatchObject({ ok: false, database: false });
    expect(check.files.filter((f) => !f.ok).map((f) => [f.file, f.outcome])).toEqual([
      ['0010-no-type.yaml', 'invalid'],
      ['0011-not-yaml.yaml', 'invalid'],
      ['0012-same-name.yaml', 'invalid'],
    ]);
  });

  it('passes examples/tickets against an empty database: 0001 pre-flighted, the rest deferred, nothing created', async () => {
    const result = await runCli(['check', 'examples/tickets'], db.url);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^ok {5}0001-create-tickets-and-users\.yaml +pending, pre-flight passed$/m);
    expect(result.stdout).toMatch(
      /^ok {5}0002-ticket-priority\.yaml +pending, pre-flight deferred: runs after 0001-create-tickets-and-users\.yaml, which changes public\.tickets first$/m,
    );
    // 0006 only references tickets (its foreign key): deferred too, not failed on the missing table.
    expect(result.stdout).toMatch(
      /^ok {5}0006-customer-satisfaction\.yaml +pending, pre-flight deferred: runs after 0001-create-tickets-and-users\.yaml/m,
    );
    expect(result.stdout.trim().split('\n').at(-1)).toBe('9 files: 9 ok, 0 errors (specs, drift and pre-flight checked)');
    expect(await ledgerExists(db.sql)).toBe(false);
    expect(await relations()).toEqual([]);
  });

  it('fails (exit 2) on a spec referencing a missing table, changing nothing', async () => {
    await createTickets(db.sql, 100);
    const before = { catalog: await catalogSnapshot(db.sql), relations: await relations() };
    const dir = join(project.root, 'other');
    await mkdir(dir);
    await writeFile(
      join(dir, '0001-agents-team.yaml'),
      'operations:\n  - op: add-column\n    table: agents\n    column: team\n    type: text\n',
    );
    await writeFile(
      join(dir, '0002-ticket-team.yaml'),
      'operations:\n  - op: add-column\n    table: tickets\n    column: team\n    type: text\n',
    );
    const result = await runCli(['check', dir, '--json'], db.url);
    expect(result.code).toBe(2);
    const check = JSON.parse(result.stdout) as DirectoryCheck;
    expect(check).toMatchObject({
      ok: false,
      database: true,
      files: [
        {
          file: '0001-agents-team.yaml',
          ok: false,
          outcome: 'preflight-failed',
          code: 'TABLE_NOT_FOUND',
          messages: ['pre-flight failed: table public.agents does not exist'],
        },
        { file: '0002-ticket-team.yaml', ok: true, outcome: 'preflight-passed' },
      ],
    });
    const human = await runCli(['check', dir], db.url);
    expect(human.code).toBe(2);
    expect(human.stdout).toMatch(/^error {2}0001-agents-team\.yaml {2}pre-flight failed: table public\.agents does not exist$/m);
    expect({ catalog: await catalogSnapshot(db.sql), relations: await relations() }).toEqual(before);
    expect(await ledgerExists(db.sql)).toBe(false);
  });

  it('reports drift of an applied spec edited afterwards (exit 2, names the file), and pre-flights the next pending spec', async () => {
    await applyTicketSpec(db.url, '0001-create-tickets-and-users.yaml', true);
    await seedExampleTickets(db.sql, 500);
    const writers = startWriters(db.url, { writers: 2 });
    await applyTicketSpec(db.url, '0002-ticket-priority.yaml', true);
    const traffic = await writers.stop();
    expect(traffic.errors).toEqual([]);

    const clean = await runCli(['check', '--config', project.config], db.url);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^ok {5}0001-create-tickets-and-users\.yaml +in the ledger \(completed\), file unchanged$/m);
    expect(clean.stdout).toMatch(/^ok {5}0003-ticket-priority-index\.yaml +pending, pre-flight passed$/m);
    expect(clean.stdout).toMatch(
      /^ok {5}0004-ticket-status-remap\.yaml +pending, pre-flight deferred: runs after 0003-ticket-priority-index\.yaml, which changes public\.tickets first$/m,
    );

    const edited = join(project.migrations, '0002-ticket-priority.yaml');
    await writeFile(edited, (await readFile(edited, 'utf8')).replace(`default: "'normal'"`, `default: "'low'"`));
    const before = await catalogSnapshot(db.sql);
    const drift = await runCli(['check', '--config', project.config], db.url);
    expect(drift.code).toBe(2);
    expect(drift.stdout).toMatch(
      /^error {2}0002-ticket-priority\.yaml +drift: 0002-ticket-priority\.yaml \(migration 0002-ticket-priority\): recorded [0-9a-f]{12}, file now [0-9a-f]{12}, applied from different content \(another file of the same name\? or edited since; ledger status completed\): if another file of the same name was applied, give one of them another name \(its file name, or `name:`\); if this file was edited, restore the applied version and put the change in a new spec\.$/m,
    );
    expect(drift.stdout.trim().split('\n').at(-1)).toBe('9 files: 8 ok, 1 error (specs, drift and pre-flight checked)');
    expect(await catalogSnapshot(db.sql)).toEqual(before);
  });

  it('defers the pre-flight of a pending spec whose table a migration waiting for contract still holds', async () => {
    await applyTicketSpec(db.url, '0001-create-tickets-and-users.yaml', true);
    expect(await applyTicketSpec(db.url, '0002-ticket-priority.yaml', false)).toMatchObject({ status: 'awaiting_contract' });
    const result = await runCli(['check', '--config', project.config], db.url);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok {5}0002-ticket-priority\.yaml +in the ledger \(awaiting contract\), file unchanged$/m);
    expect(result.stdout).toMatch(
      /^ok {5}0003-ticket-priority-index\.yaml +pending, pre-flight deferred: runs after 0002-ticket-priority\.yaml \(awaiting contract\), which changes public\.tickets first$/m,
    );
  });
});
