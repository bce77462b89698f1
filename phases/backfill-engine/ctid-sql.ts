// The SQL of a backfill over a table with no usable key: page ranges through a TID range scan (PG 14+).
// It stays correct when rows move: an UPDATE writes a new row version, and every version written after
// expand already has its value (the fill triggers), so only versions in the pages that existed at
// backfill start can need work, and rows our own batches move to later pages no longer match `needsWork`.
import type { Sql } from '../../src/db/connect.js';
import { quoteQualified, type QualifiedName } from '../../src/sql-text/quote.js';

export interface CtidSource {
  readonly table: QualifiedName;
  readonly set: string;
  readonly needsWork: string;
}

/** Params: first page (inclusive), last page (exclusive). */
export function ctidUpdate(source: CtidSource): string {
  const t = quoteQualified(source.table);
  const page = (n: number): string => `('(' || $${n}::bigint || ',0)')::tid`;
  return `update ${t} set ${source.set} where ctid >= ${page(1)} and ctid < ${page(2)} and (${source.needsWork})`;
}

/** The table's size in pages now: the backfill's upper bound. */
export async function tablePages(sql: Sql, table: QualifiedName): Promise<number> {
  const [row] = await sql<{ pages: number }[]>`
    select (pg_relation_size(${quoteQualified(table)}::regclass) / current_setting('block_size')::int)::float8 as pages`;
  return row?.pages ?? 0;
}
