// kill -9 of a parallel backfill (--concurrency 3) under application inserts and updates, then resume and
// complete: every row correct, and each row the backfill changed counted exactly once across the ranges.
import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/index.js';
import { startWriters } from '../support/concurrent-writers.js';
import { jsonLines, runCli, severalCliRuns, spawnCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';
import { addColumnArgs } from '../support/add-column-args.js';

const seeded = 60_000;
const table = 'tickets';
const name = 'add-column-tickets-priority';

/**
 * Who filled each row's priority: the backfill or a writer's update (through the migration's update
 * trigger). An application update always sets updated_at, a backfill batch never does. The audit row
 * commits or rolls back with the UPDATE that filled the row, so a batch killed mid-flight leaves none.
 * to_jsonb keeps the trigger valid before expand has added the column.
 */
const auditSql = [
  'create table priority_fills (id bigint primary key, by_backfill boolean not null)',
  `create function audit_priority_fill() returns trigger language plpgsql as $$
   begin
     if to_jsonb(old) ? 'priority' and to_jsonb(old) ->> 'priority' is null and to_jsonb(new) ->> 'priority' is not null then
       insert into priority_fills values (new.id, new.updated_at is not distinct from old.updated_at);
     end if;
     return null;
   end $$`,
  `create trigger audit_priority_fill after update on ${table} for each row execute function audit_priority_fill()`,
];

describe('kill -9 of a parallel backfill, then resume', severalCliRuns, () => {
  const db = useTestDatabase('parallel_kill');
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    await createTickets(db.sql, seeded, table);
    for (const statement of auditSql) await db.sql.unsafe(statement);
  });
  afterEach(() => {
    if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('resumes every range from its own cursor with every row correct and counted once', async () => {
    const writers = startWriters(db.url, { table, writers: 2 });
    let splitsOnResume = 0;
    let stopped = false;
    const stopWriters = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      const traffic = await writers.stop();
      expect(traffic.errors).toEqual([]);
      expect(traffic.operations).toBeGreaterThan(0);
    };
    try {
      child = spawnCli(
        [
          ...addColumnArgs({ table, column: 'priority', type: 'text', backfill: priorityExpression, notNull: true }),
          // Key ranges: test/integration/page-ranges.test.ts covers parallel page ranges.
          '--no-page-ranges',
          '--concurrency',
          '3',
          '--batch-size',
          '1000',
          '--max-batch-size',
          '1000',
          '--pause-ms',
          '10',
          '--json',
        ],
        db.url,
      );
      let stdout = '';
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const closed = new Promise<void>((resolve) => child?.on('close', () => resolve()));
      // Kill as soon as each range has committed (and reported) at least two batches.
      const perRange = await new Promise<Map<number, number>>((resolve, reject) => {
        child?.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const counts = new Map<number, number>();
          for (const e of jsonLines(stdout.slice(0, stdout.lastIndexOf('\n') + 1))) {
            if (e.type === 'batch') counts.set(Number(e.range), (counts.get(Number(e.range)) ?? 0) + 1);
          }
          if (counts.size === 3 && [...counts.values()].every((n) => n >= 2)) {
            child?.kill('SIGKILL');
            resolve(counts);
          }
        });
        void closed.then(() => reject(new Error(`the run ended before the kill; stderr: ${stderr}; stdout tail: ${stdout.slice(-500)}`)));
      });
      await closed;
      expect(child.signalCode).toBe('SIGKILL');
      expect([...perRange.keys()].sort()).toEqual([0, 1, 2]);
      expect(jsonLines(stdout).find((e) => e.type === 'backfill-start')).toMatchObject({ ranges: 3, mode: 'key', resumed: false });

      const status = await runCli(['status', name, '--json'], db.url);
      expect(status.code).toBe(0);
      const [report] = (JSON.parse(status.stdout.trim()) as { migrations: MigrationReport[] }).migrations;
      expect(report).toMatchObject({
        state: 'interrupted',
        phase: 'backfill',
        worker: { alive: false },
        tasks: [{ ranges: 3, done: false }],
      });
      const ranges = report?.backfill ?? [];
      expect(ranges.map((r) => r.range)).toEqual([0, 1, 2]);
      // The ranges tile the key space: each starts where the previous one ends.
      expect(ranges[0]?.lowerBound).toBeNull();
      expect(ranges[1]?.lowerBound).toEqual(ranges[0]?.upperBound);
      expect(ranges[2]?.lowerBound).toEqual(ranges[1]?.upperBound);
      for (const range of ranges) {
        expect(range.rowsDone).toBeGreaterThan(0);
        expect(range.batches).toBeGreaterThanOrEqual(2);
      }
      expect(ranges.some((r) => !r.done)).toBe(true);
      const doneAtKill = ranges.reduce((n, r) => n + r.rowsDone, 0);
      expect(doneAtKill).toBeLessThan(seeded);

      const resumed = await runCli(['resume', name, '--json'], db.url);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      const events = jsonLines(resumed.stdout);
      expect(events.find((e) => e.type === 'backfill-start')).toMatchObject({ ranges: 3, resumed: true, rowsDone: doneAtKill });
      expect(events.at(-1)).toMatchObject({ migration: name, status: 'awaiting_contract' });
      splitsOnResume = events.filter((e) => e.type === 'range-split').length;
      // Unaware inserts after contract would violate NOT NULL: the application stops before it.
      await stopWriters();
    } finally {
      await stopWriters();
    }

    const [wrong] = await db.sql<{ n: number }[]>`
      select count(*) filter (where priority is distinct from (${db.sql.unsafe(priorityExpression)}))::int as n from ${db.sql(table)}`;
    expect(wrong?.n).toBe(0);
    const cursors = await db.sql<{ rowsDone: number; done: boolean }[]>`
      select rows_done::int as "rowsDone", done from online_migrate.backfill_cursors where migration = ${name} order by range_index`;
    // The three ranges, and one more for each split an idle worker made on resume (work stealing).
    expect(cursors).toHaveLength(3 + splitsOnResume);
    expect(cursors.every((c) => c.done)).toBe(true);
    const [fills] = await db.sql<{ seededFilled: number; byBackfill: number; byWriters: number }[]>`
      select count(*) filter (where id <= ${seeded})::int as "seededFilled",
             count(*) filter (where by_backfill)::int as "byBackfill",
             count(*) filter (where not by_backfill)::int as "byWriters"
      from priority_fills`;
    // Every seeded row was filled exactly once (the audit's key), by the backfill or by a writer's update.
    expect(fills?.seededFilled).toBe(seeded);
    // The ranges counted exactly the rows the backfill changed: none twice across the kill, none lost.
    expect(cursors.reduce((n, c) => n + c.rowsDone, 0)).toBe(fills?.byBackfill);
    expect(fills?.byBackfill).toBeGreaterThan(seeded / 2);

    const completed = await runCli(['complete', name], db.url);
    expect(completed.stderr).toBe('');
    expect(completed.code).toBe(0);
    const [column] = await db.sql<{ notNull: boolean }[]>`
      select attnotnull as "notNull" from pg_attribute where attrelid = ${table}::regclass and attname = 'priority'`;
    expect(column?.notNull).toBe(true);
  });
});
