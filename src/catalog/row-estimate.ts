// The row count for progress and ETA: the planner's estimate (cheap on any size) once the table has
// statistics; an exact count for a never-analyzed table under 1 GiB, where the planner only guesses.
import type { Sql } from '../db/connect.js';
import { quoteQualified, type QualifiedName } from '../sql-text/quote.js';

const exactCountLimitBytes = 1024 ** 3;

export async function estimateRows(sql: Sql, table: QualifiedName): Promise<number> {
  const t = quoteQualified(table);
  const [stats] = await sql<{ analyzed: boolean; bytes: number }[]>`
    select c.reltuples >= 0 as analyzed, pg_relation_size(c.oid)::float8 as bytes
    from pg_class c where c.oid = ${t}::regclass`;
  if (stats !== undefined && !stats.analyzed && stats.bytes < exactCountLimitBytes) {
    const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::float8 as n from ${t}`);
    return row?.n ?? 0;
  }
  const rows = await sql.unsafe<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>(`explain (format json) select 1 from ${t}`);
  return Math.max(0, Math.round(rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0));
}
