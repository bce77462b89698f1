// The SQL of a backfill over ctid page ranges through a TID range scan (PG 14+): a table with no usable
// key, or a task whose triggers fill every row writers write (BackfillTask.writesFilled). It stays
// correct when rows move: an UPDATE writes a new row version, and every version written after expand
// already has its value (the fill triggers), so only versions in the pages that existed at backfill
// start can need work, and rows our own batches move to later pages no longer match `needsWork`.
// A rewrite of the table (VACUUM FULL, CLUSTER, pg_repack) moves every row to other pages, so each batch
// first checks that the relation file is still the one its range's pages were counted in.
import type { Sql } from '../../src/db/connect.js';
import { quoteQualified, type QualifiedName } from '../../src/sql-text/quote.js';

export interface CtidSource {
  readonly table: QualifiedName;
  readonly set: string;
  readonly needsWork: string;
}

/** True while the table is still in relation file `$table`/`$file`: a one-time filter, evaluated once per statement. */
export function sameRelationFile(tableParam: number, fileParam: number): string {
  return `pg_relation_filenode($${tableParam}::text::regclass)::bigint = $${fileParam}::bigint`;
}

/** Params: first page (inclusive), last page (exclusive), the table's quoted name, its relation file. */
export function ctidUpdate(source: CtidSource): string {
  const t = quoteQualified(source.table);
  const page = (n: number): string => `('(' || $${n}::bigint || ',0)')::tid`;
  return `update ${t} set ${source.set} where ctid >= ${page(1)} and ctid < ${page(2)} and (${source.needsWork}) and ${sameRelationFile(3, 4)}`;
}

/** The table's size in pages now (the backfill's upper bound) and the relation file they are counted in, read together. */
export async function tablePagesAndFile(sql: Sql, table: QualifiedName): Promise<{ readonly pages: number; readonly file: number }> {
  const [row] = await sql<{ pages: number; file: number }[]>`
    select (pg_relation_size(c.oid) / current_setting('block_size')::int)::float8 as pages, pg_relation_filenode(c.oid)::bigint::float8 as file
    from pg_class c where c.oid = ${quoteQualified(table)}::regclass`;
  if (row === undefined) throw new Error(`no relation for ${quoteQualified(table)}`);
  return row;
}

/** Pages of the table read to count its rows per page when it has no statistics. */
const densitySamplePages = 64;

/**
 * Rows per page, for sizing ctid batches in rows: the planner's statistics (reltuples over relpages, both
 * from the same VACUUM or ANALYZE), else the rows in the first pages, counted through a TID range scan,
 * else (those pages hold no live row) `estimatedRows` over the table's pages. Never less than 1.
 */
export async function rowsPerPage(sql: Sql, table: QualifiedName, estimatedRows: number): Promise<number> {
  const t = quoteQualified(table);
  const [stats] = await sql<{ tuples: number; pages: number; size: number }[]>`
    select reltuples::float8 as tuples, relpages::float8 as pages,
      (pg_relation_size(oid) / current_setting('block_size')::int)::float8 as size
    from pg_class where oid = ${t}::regclass`;
  if (stats !== undefined && stats.pages > 0 && stats.tuples > 0) return Math.max(1, stats.tuples / stats.pages);
  const size = stats?.size ?? 0;
  const pages = Math.min(densitySamplePages, size);
  if (pages === 0) return 1;
  const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::float8 as n from ${t} where ctid < '(${pages},0)'::tid`);
  const sampled = (row?.n ?? 0) / pages;
  return Math.max(1, sampled >= 1 ? sampled : estimatedRows / size);
}
