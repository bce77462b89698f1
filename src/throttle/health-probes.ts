// Health readings the backfill throttles on, read from the primary in one round trip: replication lag,
// WAL retained by replication slots, other active sessions, and sessions waiting on our backfill's locks.
// Without pg_read_all_stats the lag columns read as null and that probe is skipped.
import type { Sql } from '../db/connect.js';

export interface HealthSample {
  /** The worst standby's lag (write, flush or replay), ms; null without standbys or privileges. */
  readonly replicationLagMs: number | null;
  /** The most WAL any replication slot holds back, bytes; null without slots. */
  readonly retainedWalBytes: number | null;
  /** Active client sessions other than the backfill's own. */
  readonly activeSessions: number;
  /** Sessions waiting on a lock that one of `ourPids` holds. */
  readonly waitingOnUs: number;
}

export async function readHealth(sql: Sql, ourPids: readonly number[]): Promise<HealthSample> {
  const pids = [...ourPids];
  const [row] = await sql<{ lag: number | null; retained: number | null; active: number; waiting: number }[]>`
    select
      (select (extract(epoch from max(greatest(coalesce(write_lag, interval '0'), coalesce(flush_lag, interval '0'),
                                                coalesce(replay_lag, interval '0')))) * 1000)::float8
         from pg_stat_replication) as lag,
      (select max(case when pg_is_in_recovery() then null else pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) end)::float8
         from pg_replication_slots where restart_lsn is not null) as retained,
      (select count(*)::int from pg_stat_activity
         where state = 'active' and backend_type = 'client backend'
           and pid <> pg_backend_pid() and pid <> all(${pids}::int[])) as active,
      (select count(*)::int from pg_stat_activity
         where pid <> all(${pids}::int[]) and pg_blocking_pids(pid) && ${pids}::int[]) as waiting`;
  return {
    replicationLagMs: row?.lag ?? null,
    retainedWalBytes: row?.retained ?? null,
    activeSessions: row?.active ?? 0,
    waitingOnUs: row?.waiting ?? 0,
  };
}

/** Runs the user's `--throttle-query` read-only with a short timeout; true means "hold the backfill". */
export async function readThrottleQuery(sql: Sql, query: string, timeoutMs: number): Promise<boolean> {
  const rows = await sql.begin('read only', async (tx) => {
    await tx.unsafe(`set local statement_timeout = ${Math.round(timeoutMs)}`);
    return tx.unsafe<Record<string, unknown>[]>(query);
  });
  const first = rows[0];
  if (first === undefined) return false;
  return Object.values(first)[0] === true;
}
