// `online rehearse` end to end, as a user runs it: a copy of the target in a throwaway embedded
// PostgreSQL (its major, or 17 with --any-version when the target's has no embedded server), the
// migration run there under the synthetic writer, the report on stdout, exit 1 on findings, and the
// target untouched: its catalog, its rows and its ledger (none) are what they were.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installedRehearsalMajors, majorOf } from '../../src/rehearsal/rehearsal-server.js';
import type { RehearsalReport } from '../../src/rehearsal/rehearsal-report.js';
import { databaseSnapshot } from '../support/catalog-snapshot.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { examplePath, loadExampleTickets } from '../support/tickets-fixture.js';

describe('online rehearse', severalCliRuns, () => {
  const db = useTestDatabase('rehearse_command');
  let versionFlags: string[] = [];

  beforeAll(async () => {
    await loadExampleTickets(db.sql, 3_000);
    const [row] = await db.sql<{ v: string }[]>`select current_setting('server_version_num') as v`;
    const sameMajor = installedRehearsalMajors().some((major) => major === majorOf(Number(row?.v)));
    versionFlags = sameMajor ? [] : ['--any-version'];
  });

  const targetState = async (): Promise<unknown> => ({
    catalog: await databaseSnapshot(db.sql),
    rows: await db.sql`select count(*)::int as n, sum(hashtext(t::text))::bigint::text as h from tickets t`,
  });

  it('rehearses add-priority on a 10% sample with zero findings (exit 0), changing nothing on the target', async () => {
    const before = await targetState();
    // --max-lock-hold far above what a busy machine stretches a brief step to: a long-lock finding here would be a flake.
    const result = await runCli(
      ['rehearse', examplePath('add-priority.yaml'), '--sample', '10%', '--max-lock-hold', '10m', '--json', ...versionFlags],
      db.url,
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as RehearsalReport;
    expect(report.sample).toBe(0.1);
    expect(report.migrations).toEqual([expect.objectContaining({ migration: 'add-priority', status: 'completed', error: null })]);
    expect(report.findings).toEqual([]);
    expect(report.writer.errors).toEqual([]);
    expect(report.writer.tables).toEqual([expect.objectContaining({ table: 'public.tickets', seeded: 0 })]);
    expect(report.statementsTraced).toBeGreaterThan(5);
    expect(await targetState()).toEqual(before);
    const [ledger] = await db.sql<{ exists: boolean }[]>`select to_regnamespace('online_migrate') is not null as exists`;
    expect(ledger?.exists).toBe(false);
  });

  it('exits 1 naming the rewrite of a raw sql step, on a schema-only copy; the target keeps its table as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rehearse-'));
    const spec = join(dir, 'widen-escalated.yaml');
    await writeFile(
      spec,
      [
        'operations:',
        '  - op: sql',
        '    phase: expand',
        '    tables: [{ table: tickets }]',
        '    sql:',
        '      - alter table tickets add column noise double precision default random()',
      ].join('\n'),
    );
    const before = await targetState();
    const result = await runCli(['rehearse', spec, ...versionFlags], db.url);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('rewrote public.tickets (column with a volatile default added)');
    expect(result.stdout).toMatch(/✗ \[(unforecast-)?rewrite\] widen-escalated, expand 1: .*rewrote public\.tickets/);
    expect(result.stdout).toContain('(after seeding 20 rows)');
    expect(result.stderr).toContain('copying the schema…');
    expect(result.stderr).toMatch(/\d+ statements traced, \d+ findings?/);
    expect(await targetState()).toEqual(before);
  });
});
