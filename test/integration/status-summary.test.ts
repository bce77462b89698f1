import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusSummary, type MigrationReport, type StatusSummary } from '../../src/index.js';
import { startWriters } from '../support/concurrent-writers.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import {
  applyTicketSpec,
  ledgerExists,
  seedExampleTickets,
  tempTicketsProject,
  ticketFiles,
  type TempProject,
} from '../support/tickets-directory.js';

interface StatusJson {
  readonly summary?: StatusSummary;
  readonly migrations: readonly MigrationReport[];
}

describe('status summary', () => {
  const db = useTestDatabase('status_summary');
  let project: TempProject;
  beforeAll(async () => {
    project = await tempTicketsProject();
    await writeFile(join(project.migrations, '0010-broken.yaml'), 'operations:\n  - op: add-column\n    table: tickets\n');
  });
  afterAll(async () => {
    await project.remove();
  });

  it('before anything ran: every spec pending, no ledger created', async () => {
    const result = await runCli(['status', '--config', project.config, '--json'], db.url);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const { summary, migrations } = JSON.parse(result.stdout) as StatusJson;
    expect(migrations).toEqual([]);
    expect(summary?.pending.map((p) => p.file)).toEqual(await ticketFiles());
    expect(summary?.invalid).toEqual(['0010-broken.yaml']);
    expect(await ledgerExists(db.sql)).toBe(false);
  });

  it('lists completed, waiting-for-contract and pending specs, then the active migrations as before', async () => {
    await applyTicketSpec(db.url, '0001-create-tickets-and-users.yaml', true);
    await seedExampleTickets(db.sql, 2_000);
    const writers = startWriters(db.url, { writers: 2 });
    await applyTicketSpec(db.url, '0002-ticket-priority.yaml', true);
    expect(await applyTicketSpec(db.url, '0003-ticket-priority-index.yaml', false)).toMatchObject({ status: 'awaiting_contract' });
    const traffic = await writers.stop();
    expect(traffic.errors).toEqual([]);
    const [{ missing } = { missing: -1 }] = await db.sql<
      { missing: number }[]
    >`select count(*)::int as missing from tickets where priority is null`;
    expect(missing).toBe(0);

    const summary = await statusSummary({ databaseUrl: db.url, directory: project.migrations });
    expect(summary).toMatchObject({
      running: [],
      interrupted: [],
      failed: [],
      awaitingContract: ['0003-ticket-priority-index'],
      // A spec of the migrations directory (same name, same content): `migrate --contract` contracts it.
      awaitingContractInDirectory: ['0003-ticket-priority-index'],
      completed: ['0001-create-tickets-and-users', '0002-ticket-priority'],
      invalid: ['0010-broken.yaml'],
    });
    const pendingFiles = (await ticketFiles()).slice(3);
    expect(summary.pending).toEqual(pendingFiles.map((file) => ({ file, migration: file.replace('.yaml', '') })));

    const human = await runCli(['status', '--config', project.config], db.url);
    expect(human).toMatchObject({ code: 0, stderr: '' });
    const [head, ...rest] = human.stdout.split('\n');
    expect(head).toBe('summary: 0 running, 0 interrupted, 0 failed, 1 waiting for contract, 2 completed, 6 pending');
    expect(rest).toContain(
      '  waiting for contract: 0003-ticket-priority-index (deploy the new application, then `online migrate --contract`)',
    );
    expect(rest).toContain(`  pending in ${project.migrations}: ${pendingFiles.join(', ')} (\`online migrate\` applies them in order)`);
    expect(rest).toContain(`  invalid in ${project.migrations}: 0010-broken.yaml (\`online check\` explains)`);
    // What `status` printed before the summary existed follows it unchanged.
    expect(human.stdout).toContain(
      '\n\n0003-ticket-priority-index: awaiting contract (phase contract)\n  backfill finished; run `online migrate --contract`',
    );
    expect(human.stdout).not.toContain('0001-create-tickets-and-users:');

    const json = JSON.parse((await runCli(['status', '--config', project.config, '--json'], db.url)).stdout) as StatusJson;
    expect(json.summary).toEqual(summary);
    expect(json.migrations.map((m) => [m.name, m.state])).toEqual([['0003-ticket-priority-index', 'awaiting_contract']]);
  });

  it('status <name> is unchanged: no summary', async () => {
    const result = await runCli(['status', '0003-ticket-priority-index', '--config', project.config, '--json'], db.url);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as StatusJson;
    expect(json.summary).toBeUndefined();
    expect(json.migrations).toMatchObject([{ name: '0003-ticket-priority-index', state: 'awaiting_contract', phase: 'contract' }]);
    const human = await runCli(['status', '0003-ticket-priority-index', '--config', project.config], db.url);
    expect(human.stdout.trim()).toBe(
      '0003-ticket-priority-index: awaiting contract (phase contract)\n  backfill finished; run `online complete 0003-ticket-priority-index`',
    );
  });

  it('without a migrations directory, the summary has no pending count', async () => {
    const result = await runCli(['status'], db.url);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('summary: 0 running, 0 interrupted, 0 failed, 1 waiting for contract, 2 completed');
  });
  it("recommends the contract by how a migration was begun: `migrate --contract` for the directory's specs, `complete <name>` for one begun with start", async () => {
    await db.sql`create table side_notes (id int primary key)`;
    await db.sql`insert into side_notes select generate_series(1, 10)`;
    const started = await runCli(
      ['start', 'add-column', '--table', 'side_notes', '--column', 'note', '--type', 'text', '--backfill', "'x'"],
      db.url,
    );
    expect(started.code).toBe(0);
    const human = await runCli(['status', '--config', project.config], db.url);
    expect(human).toMatchObject({ code: 0, stderr: '' });
    const lines = human.stdout.split('\n');
    expect(lines).toContain(
      '  waiting for contract: 0003-ticket-priority-index (deploy the new application, then `online migrate --contract`)',
    );
    expect(lines).toContain(
      '  waiting for contract: add-column-side_notes-note (deploy the new application, then `online complete <name>`)',
    );
    expect(lines).toContain('  backfill finished; run `online complete add-column-side_notes-note`');
    expect(human.stdout).not.toContain('run `online complete 0003-ticket-priority-index`');
  });
});
