// The tickets table of the customer-support system from the seeds, filled server-side.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';

export const ticketStatuses = ['open', 'in_progress', 'pending', 'resolved', 'closed'] as const;

export async function createTickets(sql: postgres.Sql, rows: number, table = 'tickets'): Promise<void> {
  await sql.unsafe(`
    create table "${table}" (
      id bigint generated always as identity primary key,
      title text not null,
      description text,
      status text not null default 'open',
      escalated boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      resolved_at timestamptz
    )`);
  if (rows > 0) {
    await sql.unsafe(`
      insert into "${table}" (title, status, escalated, created_at, resolved_at)
      select 'ticket ' || g, (array['open','in_progress','pending','resolved','closed'])[1 + g % 5], g % 7 = 0,
             now() - (g || ' minutes')::interval,
             case when g % 5 >= 3 then now() - (g || ' minutes')::interval + interval '2 hours' end
      from generate_series(1, ${Math.floor(rows)}) g`);
  }
}

/** The demo's and the tests' derived value, as SQL over the row. */
export { priorityExpression } from '../../src/demo/priority-migration.js';

/** The path of a file in examples/. */
export const examplePath = (file: string): string => fileURLToPath(new URL(`../../examples/${file}`, import.meta.url));

/** Loads examples/tickets.sql (the tickets table with 100,000 rows, or `rows`), as a user of the examples would. */
export async function loadExampleTickets(sql: postgres.Sql, rows = 100_000): Promise<void> {
  const script = await readFile(examplePath('tickets.sql'), 'utf8');
  await sql.unsafe(script.replace('generate_series(1, 100000)', `generate_series(1, ${Math.floor(rows)})`)).simple();
}
