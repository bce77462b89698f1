// Shared by the `online migrate` tests: temporary copies of examples/tickets, rows for its tables, and
// a snapshot of the ledger to prove what a run did not touch.
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { examplePath } from './tickets-fixture.js';

export const ticketsDir = examplePath('tickets');

/** A temporary directory holding the example specs whose names pass `keep` (default: all). */
export async function copyTicketsExample(keep: (file: string) => boolean = () => true): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'online-migrate-'));
  await addTicketsSpecs(dir, keep);
  return dir;
}

/** Copies more example specs into a directory made by copyTicketsExample. */
export async function addTicketsSpecs(dir: string, keep: (file: string) => boolean): Promise<void> {
  for (const file of (await readdir(ticketsDir)).filter(keep)) await copyFile(join(ticketsDir, file), join(dir, file));
}

export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

/** Ticket statuses of the seeds, before the remap of 0004, and what 0004 maps them to. */
export const statusRemap: Readonly<Record<string, string>> = {
  open: 'OPEN',
  in_progress: 'IN_PROGRESS',
  pending: 'WAITING_ON_CUSTOMER',
  resolved: 'RESOLVED',
  closed: 'CLOSED',
};

/** `rows` tickets of the example's shape (as 0001 creates it), ids 1…rows when the table is new. */
export async function seedExampleTickets(sql: postgres.Sql, rows: number): Promise<void> {
  await sql`
    insert into tickets (title, status, escalated, created_at, resolved_at)
    select 'ticket ' || g, (array['open','in_progress','pending','resolved','closed'])[1 + g % 5], g % 7 = 0,
           now() - (g || ' minutes')::interval,
           case when g % 5 >= 3 then now() - (g || ' minutes')::interval + interval '2 hours' end
    from generate_series(1, ${rows}) g`;
}

export interface LedgerSnapshot {
  readonly migrations: readonly Record<string, unknown>[];
  readonly steps: readonly Record<string, unknown>[];
  readonly events: readonly Record<string, unknown>[];
}

/** Everything the ledger recorded for `names` (default: every migration), timestamps included. */
export async function ledgerSnapshot(sql: postgres.Sql, names?: readonly string[]): Promise<LedgerSnapshot> {
  const all = names === undefined;
  const list = [...(names ?? [])];
  return {
    migrations:
      await sql`select name, status, phase, spec_hash, options, created_at, updated_at, completed_at from online_migrate.migrations
                          where ${all} or name = any(${list}) order by name`,
    steps: await sql`select migration, phase, step_index, executed_at from online_migrate.steps
                     where ${all} or migration = any(${list}) order by migration, phase, step_index`,
    events: await sql`select id, migration, kind, at from online_migrate.events where ${all} or migration = any(${list}) order by id`,
  };
}

/** The ledger's status of every migration, by name. */
export async function ledgerStatuses(sql: postgres.Sql): Promise<Record<string, string>> {
  const rows = await sql<{ name: string; status: string }[]>`select name, status from online_migrate.migrations order by name`;
  return Object.fromEntries(rows.map((r) => [r.name, r.status]));
}

/** The example's nine migration names, in file order. */
export async function ticketsMigrations(): Promise<string[]> {
  return (await readdir(ticketsDir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => f.replace(/\.yaml$/, ''));
}
