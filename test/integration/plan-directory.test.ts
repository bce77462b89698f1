import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpecPlan } from '../../src/index.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { tempTicketsProject, ticketFiles, ticketsDir, type TempProject } from '../support/tickets-directory.js';

/** The sections of a plan's output, by the comment line that opens each (`-- contract (online complete)`, …). */
function sections(sql: string, title: RegExp): string[] {
  return sql.split(/\n(?=-- ====|-- (?:expand|backfill|contract|rollback))/).filter((s) => title.test(s));
}

const snapshot = new URL('./__snapshots__/tickets-plan.sql', import.meta.url);

describe('plan <dir>', () => {
  const db = useTestDatabase('plan_directory');
  let project: TempProject;
  beforeAll(async () => {
    project = await tempTicketsProject();
  });
  afterAll(async () => {
    await project.remove();
  });

  it('prints the SQL of every spec of examples/tickets, in order, with lock notes: stable (snapshot), no database needed', async () => {
    // No database at all: the directory is rehearsed on a throwaway server.
    const result = await runCli(['plan', 'examples/tickets'], '');
    expect(result.code).toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual((await ticketFiles()).map((f, i, all) => `rehearsing ${i + 1}/${all.length} ${f}`));
    await expect(result.stdout).toMatchFileSnapshot('./__snapshots__/tickets-plan.sql');
    expect(result.stdout).not.toMatch(/127\.0\.0\.1|postgres:\/\/|\d{4}-\d\d-\d\dT/);
    expect(sections(result.stdout, /^-- ====/)).toHaveLength(9);
  });

  it('--phase contract prints only the contract sections, the same as in the full plan', async () => {
    const result = await runCli(['plan', 'examples/tickets', '--phase', 'contract'], '');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/^-- (expand|backfill|rollback)/m);
    expect(result.stdout).toContain('(phases: contract)');
    const contract = sections(result.stdout, /^-- contract/);
    expect(contract).toHaveLength(9);
    expect(contract).toEqual(sections(await readFile(snapshot, 'utf8'), /^-- contract/));
    expect(contract.join('\n')).toContain('alter table "public"."tickets" validate constraint "tickets_assigned_user_id_fkey";');
  });

  it('--json gives {file, migration, plan} per spec', async () => {
    const result = await runCli(['plan', ticketsDir, '--json'], '');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const { migrations } = JSON.parse(result.stdout) as { migrations: SpecPlan[] };
    expect(migrations.map((m) => m.file)).toEqual(await ticketFiles());
    expect(migrations[1]).toMatchObject({ migration: '0002-ticket-priority', plan: { backfill: [{ id: 'public.tickets.priority' }] } });
    expect(migrations[0]?.plan.expand.map((s) => s.statements[0]?.split(' (')[0])).toEqual([
      'create table "public"."users"',
      'create table "public"."tickets"',
    ]);
  });

  it('a spec that does not fit what the earlier ones built fails the rehearsal, naming its file (exit 2)', async () => {
    await writeFile(
      join(project.migrations, '0010-missing-table.yaml'),
      'operations:\n  - op: add-column\n    table: agents\n    column: team\n    type: text\n',
    );
    const result = await runCli(['plan', '--config', project.config, '--json'], '');
    expect(result.code).toBe(2);
    const { error } = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { error: { code: string; message: string } };
    expect(error.code).toBe('TABLE_NOT_FOUND');
    expect(error.message).toBe(
      '0010-missing-table.yaml (rehearsed on an empty database after the files before it): pre-flight failed: table public.agents does not exist',
    );
  });

  it('plan <file> still plans against the live database', async () => {
    const first = await runCli(['plan', join(ticketsDir, '0001-create-tickets-and-users.yaml'), '--phase', 'expand'], db.url);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('create table "public"."tickets" (');
    expect(first.stdout).not.toContain('-- rollback');
    // The live database is empty: 0002 needs the table 0001 creates.
    const second = await runCli(['plan', join(ticketsDir, '0002-ticket-priority.yaml')], db.url);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('table public.tickets does not exist');
  });
});
