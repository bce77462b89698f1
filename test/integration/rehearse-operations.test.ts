// The forecast against reality, for every operation: each example spec of examples/ (one or more per
// operation of the registry) is rehearsed on the tickets table under the synthetic writer, and what
// the copy's event triggers and the lock poller saw must match the statement analyzer's forecast:
// no lock stronger than forecast, none on a relation it does not name, no rewrite, and the writer
// never fails. --max-lock-hold is set far out of reach here: durations are not what this asserts.
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { completeMigration, loadSpecFile, startMigration } from '../../src/index.js';
import { operations } from '../../src/operations/index.js';
import { rehearseOnCopy } from '../../src/rehearsal/rehearse-copy.js';
import { exampleNeeds } from '../support/example-needs.js';
import { useTestDatabase } from '../support/test-database.js';
import { examplePath, loadExampleTickets } from '../support/tickets-fixture.js';

const files = (await readdir(examplePath('.'))).filter((file) => file.endsWith('.yaml')).sort();

/**
 * Rows a real target would hold, for tables an example leaves empty where the synthetic writer's
 * made-up seed rows would not fit what the migration checks (a partition's bound).
 */
const realisticRows: Readonly<Record<string, readonly string[]>> = {
  'attach-partition-ticket-events-2026-01.yaml': [`insert into ticket_events_2026_01 values (1, '2026-01-15', 'opened')`],
};

describe('rehearsing every operation: the forecast matches what the copy observed', () => {
  const db = useTestDatabase('rehearse_ops', { per: 'test' });

  it('has an example for every operation of the registry', async () => {
    const ops = new Set<string>();
    for (const file of files) for (const op of (await loadSpecFile(examplePath(file))).operations) ops.add(op.op);
    expect([...ops].sort()).toEqual(operations.map((o) => o.op).sort());
  });

  it.each(files)('%s: zero findings, the writer never failed', async (file) => {
    await loadExampleTickets(db.sql, 3_000);
    const needs = exampleNeeds(await readFile(examplePath(file), 'utf8'));
    for (const statement of [...needs.sql, ...(realisticRows[file] ?? [])]) await db.sql.unsafe(statement);
    for (const first of needs.applyFirst) {
      const spec = await loadSpecFile(examplePath(first));
      await startMigration({ databaseUrl: db.url, spec });
      await completeMigration({ databaseUrl: db.url, migration: spec.name });
    }
    const spec = await loadSpecFile(examplePath(file));
    // No bound on time here (a busy machine stretches any step): a long lock or a writer's lock timeout
    // is the rehearsal's finding on a real target, a flake on a loaded CI runner. What is asserted is
    // what does not depend on speed: the locks and rewrites against the forecast, and no writer error.
    const report = await rehearseOnCopy({ copyUrl: db.url, specs: [spec], maxLockHoldMs: 600_000, writerLockTimeoutMs: 600_000 });

    expect(report.migrations).toEqual([expect.objectContaining({ migration: spec.name, status: 'completed', error: null })]);
    expect(report.findings).toEqual([]);
    expect(report.writer.errors).toEqual([]);
    const planned = report.migrations[0]!.steps.filter((s) => s.kind === 'locked' || s.kind === 'concurrent');
    expect(planned.length).toBeGreaterThan(0);
    for (const step of planned) for (const s of step.statements) expect(s.forecast, s.statement).not.toBeNull();
    // The trace saw the run at all (a trace that saw nothing would pass the rest). Not per step: a
    // statement that fires no event trigger and ends within one poll (a concurrent build of a small
    // index, a DO block's read) may go unsampled; DDL and pre-flight's probe tables always fire them.
    expect(report.migrations[0]!.steps.flatMap((s) => s.statements.flatMap((t) => t.locks)).length).toBeGreaterThan(0);
    const tickets = report.writer.tables.find((t) => t.table === 'public.tickets');
    if (tickets !== undefined) expect(tickets.updates).toBeGreaterThan(0);
  });
});
