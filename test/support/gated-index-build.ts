// Holds a concurrent index build in its table scan for as long as a test wants: the index expression
// gated_digest(t) passes through an advisory lock for every row, so while the test holds that lock the
// build stops at its first row ("building index"), however fast or slow the machine.
import type postgres from 'postgres';
import type { TestDatabase } from './test-database.js';
import { eventually, type Event } from './watched-cli.js';

/** Creates gated_digest(text): md5's value, declared immutable (an index expression must be), waiting on advisory lock `gate`. */
export async function createGatedDigest(sql: postgres.Sql, gate: number): Promise<void> {
  await sql.unsafe(`
    create function gated_digest(t text) returns text language plpgsql immutable as $$
    begin
      perform pg_advisory_lock_shared(${gate});
      perform pg_advisory_unlock_shared(${gate});
      return md5(t);
    end $$`);
}

export const indexProgress = (events: Event[]): Event[] => events.filter((e) => e.type === 'index-progress');

/** An index-progress event of a build reading its table. */
export const scanningTable = (e: Event): boolean => String(e.phase).startsWith('building index') && Number(e.blocksTotal) > 0;

/**
 * After the CLI was killed: its build's session notices the vanished client within about a second and
 * ends (online sets client_connection_check_interval on PostgreSQL 14+), so on a slow machine it may
 * already be gone; if it still runs, it is ended as a crash of the host would end it. Returns how many
 * were left running.
 */
export async function endOrphanedBuilds(db: TestDatabase): Promise<number> {
  const buildSessions = () => db.sql<{ pid: number }[]>`
    select pid from pg_stat_activity
    where datname = current_database() and query ilike 'create index concurrently%' and backend_type = 'client backend'
      and pid <> pg_backend_pid()`;
  const orphans = await buildSessions();
  for (const orphan of orphans) await db.sql`select pg_terminate_backend(${orphan.pid}::int)`;
  await eventually(buildSessions, (r) => r.length === 0);
  return orphans.length;
}
