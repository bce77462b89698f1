// The tickets table partitioned by month on created_at: the uniform table's columns, ids and values
// (created_at aside), 12 monthly partitions of 2025 and a default one, so online's fill on a
// partitioned table is measured on the same rows as on the plain one.
import type postgres from 'postgres';
import { createTickets } from '../support/tickets-fixture.js';

/** The partitions' year; dates are fixed, not relative to now(), so every run lays the rows out alike. */
const year = 2025;
/**
 * created_at runs back from the year's end over 13 months of days, newest at id 1 as in the fixture:
 * the 12 monthly partitions get a month of rows each, the default partition the December before
 * (31/396, about 8 %).
 */
const spanDays = 365 + 31;

/** `tickets_2025_01` … `tickets_2025_12`. */
export function monthlyPartitions(table: string): string[] {
  return Array.from({ length: 12 }, (_, i) => `${table}_${year}_${pad(i + 1)}`);
}

export const defaultPartition = (table: string): string => `${table}_default`;

function pad(month: number): string {
  return String(month).padStart(2, '0');
}

function monthStart(month: number): string {
  return month > 12 ? `${year + 1}-01-01 00:00+00` : `${year}-${pad(month)}-01 00:00+00`;
}

/**
 * The primary key is (id, created_at): PostgreSQL requires a partitioned table's unique constraints to
 * include the partition key. Ids are given, 1…rows, as on the uniform table.
 */
export async function createPartitionedTickets(sql: postgres.Sql, rows: number, table: string): Promise<void> {
  // The fixture's columns, defaults and identity, through an empty table of its shape.
  const shape = `${table}_shape`;
  await createTickets(sql, 0, shape);
  await sql.unsafe(
    `create table ${table} (like ${shape} including defaults including identity, primary key (id, created_at)) partition by range (created_at)`,
  );
  await sql.unsafe(`drop table ${shape}`);
  for (const [i, name] of monthlyPartitions(table).entries())
    await sql.unsafe(`create table ${name} partition of ${table} for values from ('${monthStart(i + 1)}') to ('${monthStart(i + 2)}')`);
  await sql.unsafe(`create table ${defaultPartition(table)} partition of ${table} default`);
  const rowSpacingSeconds = (spanDays * 86_400) / rows;
  await sql.unsafe(`
    insert into ${table} (id, title, status, escalated, created_at, resolved_at) overriding system value
    select g, 'ticket ' || g, (array['open','in_progress','pending','resolved','closed'])[1 + g % 5], g % 7 = 0, at,
           case when g % 5 >= 3 then at + interval '2 hours' end
    from generate_series(1, ${Math.floor(rows)}) g,
         lateral (select timestamptz '${monthStart(13)}' - g * ${rowSpacingSeconds} * interval '1 second' as at) t`);
}
