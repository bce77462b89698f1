// How many checkpoints the server has started: PostgreSQL 17+ counts them in pg_stat_checkpointer,
// older servers in pg_stat_bgwriter. A fill that writes past max_wal_size triggers some, and each makes
// the next change to every page write a full-page image: the first suspect when a fill scales worse
// than linearly with the rows.
import type postgres from 'postgres';

export async function checkpointCount(sql: postgres.Sql): Promise<number> {
  const [version] = await sql.unsafe<{ num: number }[]>(`select current_setting('server_version_num')::int as num`);
  const query =
    (version?.num ?? 0) >= 170000
      ? 'select (num_timed + num_requested)::float8 as n from pg_stat_checkpointer'
      : 'select (checkpoints_timed + checkpoints_req)::float8 as n from pg_stat_bgwriter';
  const [row] = await sql.unsafe<{ n: number }[]>(query);
  return row?.n ?? 0;
}
