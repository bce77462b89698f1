// The scope's tables as relations a hazard query matches: each table that exists, and the leaf
// partitions of a partitioned one (vacuum and statistics are per leaf; pg_partition_tree lists nothing
// for a table outside a partition tree, so the table itself is listed too).
import type { PendingQuery, Row } from 'postgres';
import type { Sql } from '../db/connect.js';

/** A parenthesized subquery of oids, for `relid in …`. */
export function scopeRelations(sql: Sql, tables: readonly string[]): PendingQuery<Row[]> {
  const names = [...tables];
  return sql`(select to_regclass(t) from unnest(${names}::text[]) as t
              union all
              select p.relid from unnest(${names}::text[]) as t, pg_partition_tree(to_regclass(t)) as p where p.isleaf)`;
}
