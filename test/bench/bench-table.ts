// A fresh tickets table for every run, in a schema of its own (with its own ledger schema), so runs
// share no dead tuples, cache-warm state or migration records, and an existing database is left alone.
import postgres from 'postgres';
import { createTickets } from '../support/tickets-fixture.js';

export const benchSchema = 'online_bench';
export const benchStateSchema = 'online_bench_state';

/** A setup connection whose unqualified names resolve to the bench schema. */
export function openBenchSql(databaseUrl: string): postgres.Sql {
  return postgres(databaseUrl, { max: 1, prepare: false, onnotice: () => undefined, connection: { search_path: benchSchema } });
}

/** Drops the previous run's table and ledger, seeds `rows` tickets, then VACUUM ANALYZE and CHECKPOINT. */
export async function seedFreshTickets(sql: postgres.Sql, rows: number): Promise<void> {
  await dropBenchSchemas(sql);
  await sql.unsafe(`create schema ${benchSchema}`);
  await createTickets(sql, rows);
  await sql.unsafe('vacuum analyze tickets');
  await checkpoint(sql);
}

export async function dropBenchSchemas(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`drop schema if exists ${benchSchema}, ${benchStateSchema} cascade`);
}

/** Writes the seed's dirty pages out now, so no run pays for the previous run's checkpoint. */
async function checkpoint(sql: postgres.Sql): Promise<void> {
  try {
    await sql.unsafe('checkpoint');
  } catch (error) {
    // 42501: not superuser nor pg_checkpoint (a BENCH_DATABASE_URL role); the runs are noisier, not wrong.
    if ((error as { code?: string }).code !== '42501') throw error;
  }
}

/** Fails the run unless every seeded row got its priority. */
export async function assertAllFilled(sql: postgres.Sql, rows: number): Promise<void> {
  const [row] = await sql.unsafe<{ filled: string }[]>('select count(priority) as filled from tickets');
  if (Number(row?.filled) !== rows) throw new Error(`expected ${rows} rows with a priority, found ${row?.filled ?? 'none'}`);
}
