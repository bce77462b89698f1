import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationStatus } from '../../src/index.js';
import { catalogSnapshot } from '../support/catalog-snapshot.js';
import { startWriters } from '../support/concurrent-writers.js';
import { jsonLines, runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { eventually, sleep } from '../support/watched-cli.js';
import {
  addTicketsSpecs,
  copyTicketsExample,
  ledgerStatuses,
  removeDir,
  seedExampleTickets,
  ticketsMigrations,
} from '../support/migrate-fixtures.js';

const seeded = 5_000;
const newStatuses = ['OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED'];

/**
 * The new application version: it knows every column and table of the release, writes the new
 * (uppercase) statuses, assigns tickets to real agents and records satisfaction ratings.
 */
function startNewShapeWriter(url: string): { stop(): Promise<{ tickets: number; ratings: number; errors: string[] }> } {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  let running = true;
  let tickets = 0;
  let ratings = 0;
  const errors: string[] = [];
  const loop = (async () => {
    for (let i = 0; running; i++) {
      try {
        const [ticket] = await sql<{ id: string }[]>`
          insert into tickets (title, status, priority, assigned_user_id)
          values (${`new app ticket ${i}`}, ${newStatuses[i % 5] ?? 'OPEN'}, ${i % 2 === 0 ? 'high' : 'low'}, (select id from users order by id offset ${i % 10} limit 1))
          returning id`;
        tickets++;
        await sql`insert into customer_satisfaction (ticket_id, rating) values (${ticket?.id ?? null}, ${1 + (i % 5)})`;
        ratings++;
        await sql`update tickets set status = 'WAITING_ON_CUSTOMER', assigned_user_id = (select max(id) from users) where id = ${ticket?.id ?? null}`;
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
      // Kept: paces the application's loop (its think time), not a wait for anything.
      await sleep(3);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await sql.end({ timeout: 5 });
      return { tickets, ratings, errors };
    },
  };
}

describe('online migrate --expand-only, deploy, then --contract', severalCliRuns, () => {
  const db = useTestDatabase('migrate_phases');
  let dir: string;
  beforeAll(async () => {
    dir = await copyTicketsExample((f) => f.startsWith('0001-'));
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it('lets the old and the new application write between the phases, and contracts in file order', async () => {
    const first = await runCli(['migrate', dir], db.url);
    expect(first.code).toBe(0);
    await seedExampleTickets(db.sql, seeded);
    await db.sql`insert into users (email, name) select 'agent' || g || '@example.com', 'agent ' || g from generate_series(1, 10) g`;
    await addTicketsSpecs(dir, () => true);
    const names = await ticketsMigrations();

    // The old application writes throughout the expand phase and afterwards, until it is retired.
    const oldApp = startWriters(db.url, { writers: 2 });
    const expanded = await runCli(['migrate', dir, '--expand-only', '--batch-size', '500'], db.url);
    expect(expanded.stderr).toBe('');
    expect(expanded.code).toBe(0);
    const waiting = ['0002-ticket-priority', '0004-ticket-status-remap', '0005-resolution-time', '0009-ticket-assignee-fk'];
    expect(expanded.stdout).toContain(`4 migrations wait for contract: ${waiting.join(', ')}`);
    expect(expanded.stdout).toContain(`deploy the new application, then run \`online migrate ${dir} --contract\``);
    expect(expanded.stdout).toContain('✓ 0002-ticket-priority.yaml: 0002-ticket-priority expanded and backfilled; waits for contract');
    // What each start did comes from its plan: a foreign key is added NOT VALID in expand, with nothing to backfill.
    expect(expanded.stdout).toContain('✓ 0009-ticket-assignee-fk.yaml: 0009-ticket-assignee-fk expanded; waits for contract');
    // A contract phase with no steps (new tables, indexes, a nullable column) breaks nothing: completed at once.
    expect(expanded.stdout).toContain('✓ 0006-customer-satisfaction.yaml: 0006-customer-satisfaction completed');
    const reports = await migrationStatus({ databaseUrl: db.url });
    expect(reports.map((r) => [r.name, r.state])).toEqual(waiting.map((name) => [name, 'awaiting_contract']));
    expect(await ledgerStatuses(db.sql)).toEqual(
      Object.fromEntries(names.map((n) => [n, waiting.includes(n) ? 'awaiting_contract' : 'completed'])),
    );

    // The new application is deployed while the old one still runs: both write.
    const newApp = startNewShapeWriter(db.url);
    const ratings = async (): Promise<number> =>
      (await db.sql<{ n: number }[]>`select count(*)::int as n from customer_satisfaction`)[0]?.n ?? 0;
    await eventually(ratings, (n) => n >= 20);
    await oldApp.waitForOperations(20);
    const again = await runCli(['migrate', dir, '--expand-only'], db.url);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(
      `nothing to do in ${dir}: every spec is expanded; 4 migrations wait for contract: ${waiting.join(', ')}`,
    );
    const oldTraffic = await oldApp.stop();
    expect(oldTraffic.errors).toEqual([]);

    // A spec added after the deploy: --contract starts nothing, and says so.
    await writeFile(
      join(dir, '0010-ticket-created-index.yaml'),
      'operations:\n  - op: create-index\n    table: tickets\n    columns: [created_at]\n',
    );
    const contracted = await runCli(['migrate', dir, '--contract', '--json'], db.url);
    const newTraffic = await newApp.stop();
    expect(contracted.stderr).toBe('');
    expect(contracted.code).toBe(0);
    expect(newTraffic.errors).toEqual([]);
    const events = jsonLines(contracted.stdout);
    expect(events.filter((e) => e.type === 'migrate-spec').map((e) => [e.migration, e.step])).toEqual(
      waiting.map((name) => [name, 'complete']),
    );
    expect(events.at(-1)).toMatchObject({
      mode: 'contract',
      nothingToDo: false,
      awaitingContract: [],
      pending: ['0010-ticket-created-index.yaml'],
    });
    const order = await db.sql<
      { name: string }[]
    >`select name from online_migrate.migrations where name = any(${waiting}) order by completed_at`;
    expect(order.map((r) => r.name)).toEqual(waiting);
    expect(await ledgerStatuses(db.sql)).toEqual(Object.fromEntries(names.map((n) => [n, 'completed'])));

    const tickets = await catalogSnapshot(db.sql, 'tickets');
    expect(tickets.columns).toMatchObject({
      priority: { notNull: true, default: "'normal'::text" },
      status: { notNull: true, default: "'OPEN'::text" },
    });
    expect(tickets.triggers).toEqual([]);
    expect(tickets.constraints).toMatchObject({ tickets_assigned_user_id_fkey: { type: 'f', validated: true } });
    const [rows] = await db.sql<
      { total: number; maxId: number; oldStatus: number; noPriority: number; wrongResolution: number; ratings: number }[]
    >`
      select count(*)::int as total, max(id)::int as "maxId",
             count(*) filter (where status <> all(${newStatuses}))::int as "oldStatus",
             count(*) filter (where priority is null)::int as "noPriority",
             count(*) filter (where resolution_time_seconds is distinct from extract(epoch from (resolved_at - created_at))::integer)::int as "wrongResolution",
             (select count(*)::int from customer_satisfaction) as ratings
      from tickets`;
    // Nothing lost, every status mapped (both shapes' writes), every resolution time right.
    expect(rows).toEqual({
      total: rows?.maxId,
      maxId: rows?.maxId,
      oldStatus: 0,
      noPriority: 0,
      wrongResolution: 0,
      ratings: newTraffic.ratings,
    });
    expect(rows?.total).toBeGreaterThan(seeded);

    const nothing = await runCli(['migrate', dir, '--contract'], db.url);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toContain('nothing to do');
    expect(nothing.stdout).toContain('1 spec not expanded yet (from 0010-ticket-created-index.yaml)');
    const rest = await runCli(['migrate', dir], db.url);
    expect(rest.code).toBe(0);
    expect(rest.stdout).toContain('✓ 0010-ticket-created-index.yaml: 0010-ticket-created-index completed');
  });
});
