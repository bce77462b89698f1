// Who blocks a backend: pg_blocking_pids joined with pg_stat_activity, for lock-timeout errors and status.
import type { Blocker } from '../errors/index.js';
import type { Sql } from './connect.js';

export async function findBlockers(sql: Sql, pid: number): Promise<Blocker[]> {
  const rows = await sql<{ pid: number; state: string | null; age: number | null; query: string | null }[]>`
    select a.pid, a.state, extract(epoch from now() - a.xact_start)::float8 as age, left(a.query, 500) as query
    from pg_stat_activity a where a.pid = any(pg_blocking_pids(${pid})) order by a.xact_start`;
  return rows.map((r) => ({ pid: r.pid, state: r.state, transactionAgeSeconds: r.age, query: r.query }));
}

/**
 * Samples the blockers of `pid` shortly before its lock wait can time out, so a lock-timeout error
 * can name them: once the wait has failed, pg_blocking_pids no longer knows.
 */
export function watchBlockers(sql: Sql, pid: number, afterMs: number): { stop: () => Promise<Blocker[]> } {
  let seen: Blocker[] = [];
  let pending: Promise<void> | undefined;
  const timer = setTimeout(() => {
    pending = findBlockers(sql, pid)
      .then((found) => {
        seen = found;
      })
      .catch(() => undefined);
  }, afterMs);
  return {
    stop: async () => {
      clearTimeout(timer);
      await pending;
      return seen;
    },
  };
}
