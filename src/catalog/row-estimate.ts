// The row count shown at a backfill's start (and that splits its estimate over ranges): the statistics
// system's count of live rows, which inserts and deletes keep current and updates leave alone (so a
// table bloated by updates, ours included, is not over-counted, as the planner's reltuples scaled to
// the table's current size was); else reltuples as last analyzed; else an exact count for a table under
// 1 GiB; else the planner's guess. Progress itself is measured by the cursors, not by this.
import type { Sql } from '../db/connect.js';
import { quoteQualified, type QualifiedName } from '../sql-text/quote.js';

const exactCountLimitBytes = 1024 ** 3;

export async function estimateRows(sql: Sql, table: QualifiedName): Promise<number> {
  const t = quoteQualified(table);
  const [stats] = await sql<{ live: number | null; reltuples: number; bytes: number }[]>`
    select s.n_live_tup::float8 as live, c.reltuples::float8 as reltuples, pg_relation_size(c.oid)::float8 as bytes
    from pg_class c left join pg_stat_all_tables s on s.relid = c.oid where c.oid = ${t}::regclass`;
  if (stats !== undefined && stats.live !== null && stats.live > 0) return Math.round(stats.live);
  if (stats !== undefined && stats.reltuples >= 0) return Math.round(stats.reltuples);
  if (stats !== undefined && stats.bytes < exactCountLimitBytes) {
    const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::float8 as n from ${t}`);
    return row?.n ?? 0;
  }
  const rows = await sql.unsafe<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>(`explain (format json) select 1 from ${t}`);
  return Math.max(0, Math.round(rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0));
}
