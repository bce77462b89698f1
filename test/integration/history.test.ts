import { describe, expect, it } from 'vitest';
import { migrationHistory, rollbackMigration, type HistoryEntry } from '../../src/index.js';
import { startWriters } from '../support/concurrent-writers.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { applyTicketSpec, ledgerExists, seedExampleTickets } from '../support/tickets-directory.js';

const seeded = 3_000;

describe('history', () => {
  const db = useTestDatabase('history');

  it('on a database without a ledger prints "no migrations yet", exit 0, and creates nothing', async () => {
    const human = await runCli(['history'], db.url);
    expect(human).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout.trim()).toBe('no migrations yet');
    const json = await runCli(['history', '--json'], db.url);
    expect(JSON.parse(json.stdout)).toEqual({ migrations: [] });
    expect(await ledgerExists(db.sql)).toBe(false);
  });

  it('lists the tickets migrations oldest first with statuses, steps per phase and backfill rows', async () => {
    expect(await applyTicketSpec(db.url, '0001-create-tickets-and-users.yaml', true)).toMatchObject({ status: 'completed' });
    await seedExampleTickets(db.sql, seeded);
    // Inserts only: a writer's update would let the fill trigger do a seeded row's backfill, and the
    // rows the batches did would no longer be known exactly.
    const writers = startWriters(db.url, { writers: 2, updates: false });
    await applyTicketSpec(db.url, '0002-ticket-priority.yaml', true);
    await applyTicketSpec(db.url, '0003-ticket-priority-index.yaml', true);
    await applyTicketSpec(db.url, '0005-resolution-time.yaml', false);
    await rollbackMigration({ databaseUrl: db.url, migration: '0005-resolution-time' });
    // Last: a migration waiting for contract keeps its table busy for the others.
    expect(await applyTicketSpec(db.url, '0004-ticket-status-remap.yaml', false)).toMatchObject({ status: 'awaiting_contract' });
    const traffic = await writers.stop();
    expect(traffic.errors).toEqual([]);
    const [{ n: rowsAfter } = { n: 0 }] = await db.sql<{ n: number }[]>`select count(*)::int as n from tickets`;
    expect(rowsAfter).toBeGreaterThanOrEqual(seeded);

    const entries = await migrationHistory({ databaseUrl: db.url });
    expect(entries.map((e) => [e.name, e.status])).toEqual([
      ['0001-create-tickets-and-users', 'completed'],
      ['0002-ticket-priority', 'completed'],
      ['0003-ticket-priority-index', 'completed'],
      ['0005-resolution-time', 'rolled_back'],
      ['0004-ticket-status-remap', 'awaiting_contract'],
    ]);
    const byName = new Map(entries.map((e) => [e.name, e]));
    const entry = (name: string): HistoryEntry => byName.get(name) ?? expect.unreachable(name);

    expect(entry('0001-create-tickets-and-users')).toMatchObject({
      phase: 'done',
      backfills: [],
      phases: [
        { phase: 'expand', done: 2, planned: 2 },
        { phase: 'rollback', done: 0, planned: 2 },
      ],
    });
    expect(entry('0001-create-tickets-and-users').completedAt).not.toBeNull();

    // Every seeded row is backfilled by the batches (the writers' inserts after expand are filled by the trigger).
    const priority = entry('0002-ticket-priority');
    expect(priority.phases.map((p) => [p.phase, p.done, p.planned])).toEqual([
      ['expand', 3, 3],
      ['contract', 3, 3],
      ['rollback', 0, 1],
    ]);
    expect(priority.backfills).toHaveLength(1);
    expect(priority.backfills[0]).toMatchObject({ task: 'public.tickets.priority', done: true, ranges: 1 });
    expect(priority.backfills[0]?.rowsDone).toBeGreaterThanOrEqual(seeded);
    expect(priority.backfills[0]?.batches).toBeGreaterThanOrEqual(1);
    expect(priority.backfills[0]?.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(priority.backfills[0]?.updatedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(priority.backfills[0]?.startedAt ?? ''));

    // start recorded its forecast: one per step and task of the plan, with a positive backfill estimate.
    expect(priority.forecast?.expand).toHaveLength(3);
    expect(priority.forecast?.backfill.map((t) => t.id)).toEqual(['public.tickets.priority']);
    expect(priority.forecast?.backfill[0]?.estimate.seconds).toBeGreaterThan(0);

    const remap = entry('0004-ticket-status-remap');
    expect(remap).toMatchObject({ phase: 'contract', completedAt: null });
    expect(remap.phases.find((p) => p.phase === 'contract')).toMatchObject({ done: 0, planned: 2, durationMs: 0 });
    expect(remap.backfills.map((b) => [b.task, b.done])).toEqual([
      ['public.tickets.status_online_new', true],
      ['public.tickets.status_online_new:verify', true],
    ]);
    expect(remap.backfills[0]?.rowsDone).toBeGreaterThanOrEqual(seeded);

    const rolledBack = entry('0005-resolution-time');
    expect(rolledBack.phases.find((p) => p.phase === 'rollback')).toMatchObject({ done: 1, planned: 1 });

    const human = await runCli(['history'], db.url);
    expect(human).toMatchObject({ code: 0, stderr: '' });
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^0001-create-tickets-and-users: completed \(started \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ, finished \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)$/,
    );
    // Each phase beside what start forecast for it (recorded in the ledger).
    expect(human.stdout).toMatch(
      /^ {2}expand 3\/3 steps in (\d+ ms|\d+\.\ds) \(forecast (\d+ ms|\d+\.\ds)\); contract 3\/3 steps in (\d+ ms|\d+\.\ds) \(forecast (\d+ ms|\d+\.\ds)\)$/m,
    );
    expect(human.stdout).toMatch(
      new RegExp(
        `^ {2}backfill public\\.tickets\\.priority: ${(priority.backfills[0]?.rowsDone ?? 0).toLocaleString('en-US')} rows in \\d+ batch(es)?, .+ \\(forecast .+, (not )?calibrated\\)$`,
        'm',
      ),
    );
    expect(human.stdout).toMatch(/^0004-ticket-status-remap: awaiting contract, phase contract \(started .+, updated .+\)$/m);
    expect(human.stdout).toMatch(
      /^0005-resolution-time: rolled back \(.+\)\n {2}expand 2\/2 steps in .+; contract 0\/1 step \(forecast .+\); rollback 1\/1 step in .+$/m,
    );

    const json = await runCli(['history', '--json'], db.url);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { migrations: HistoryEntry[] }).migrations).toEqual(entries);
  });
});
