// How many more connections the server will accept from this run's role on this database: the least of
// max_connections (less the slots reserved for superusers, and on PostgreSQL 16+ for
// pg_use_reserved_connections), the role's CONNECTION LIMIT and the database's,
// each less the client backends that use it now. Read before a backfill starts its workers, so a run
// asked for more workers than the server has room for starts fewer, instead of failing on the refusal.
import type { Sql } from '../../src/db/connect.js';

/** Free connection slots now (0 when the server is full). */
export async function connectionRoom(sql: Sql): Promise<number> {
  const [row] = await sql<{ room: number }[]>`
    with clients as (
      select usename, datname from pg_stat_activity where backend_type = 'client backend')
    select least(
        current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
          - coalesce(current_setting('reserved_connections', true)::int, 0) - (select count(*) from clients)::int,
        case when r.rolconnlimit >= 0 then r.rolconnlimit - (select count(*) from clients where usename = current_user)::int end,
        case when d.datconnlimit >= 0 then d.datconnlimit - (select count(*) from clients where datname = current_database())::int end
      ) as room
    from pg_roles r, pg_database d
    where r.rolname = current_user and d.datname = current_database()`;
  return Math.max(0, row?.room ?? 0);
}
