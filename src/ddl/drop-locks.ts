// The other tables a DROP TABLE or DROP COLUMN takes ACCESS EXCLUSIVE on: the far end of every foreign
// key it drops (the key's triggers live there; a partition's copy of its parent's key has none there),
// and a partition's parent. The drop step locks them
// up front (src/ddl/lock-tables-first.ts). Views and other dependants a CASCADE drops are
// locked by the statement itself, with the short wait of a lock taken while holding another.
import type { TableInfo } from '../catalog/describe-table.js';
import type { Sql } from '../db/connect.js';
import type { QualifiedName } from '../sql-text/quote.js';

const namesOf = (others: string): string => `
select n.nspname as schema, c.relname as name
from (${others}) o join pg_class c on c.oid = o.relid join pg_namespace n on n.oid = c.relnamespace
where o.relid not in (select relid from gone)
group by 1, 2 order by 1, 2`;

const plain = (rows: readonly QualifiedName[]): QualifiedName[] => rows.map(({ schema, name }) => ({ schema, name }));

/** For `drop table`: the table, its partitions and (with cascade) inheritance children go; these others are locked. */
export async function tablesLockedByTableDrop(sql: Sql, table: TableInfo): Promise<QualifiedName[]> {
  const rows = await sql.unsafe<QualifiedName[]>(
    `with recursive gone(relid) as (select $1::oid union select i.inhrelid from pg_inherits i join gone g on i.inhparent = g.relid)` +
      namesOf(`
  select confrelid as relid from pg_constraint where contype = 'f' and conrelid in (select relid from gone) and conparentid = 0
  union select conrelid from pg_constraint where contype = 'f' and confrelid in (select relid from gone)
  union select inhparent from pg_inherits where inhrelid = $1::oid`),
    [table.oid],
  );
  return plain(rows);
}

/** For `alter table … drop column`: the far ends of the foreign keys on the column (in the table or its heirs). */
export async function tablesLockedByColumnDrop(sql: Sql, table: TableInfo, column: string): Promise<QualifiedName[]> {
  const rows = await sql.unsafe<QualifiedName[]>(
    `with recursive gone(relid) as (select $1::oid union select i.inhrelid from pg_inherits i join gone g on i.inhparent = g.relid),
     cols as (select a.attrelid, a.attnum from gone g join pg_attribute a on a.attrelid = g.relid and a.attname = $2::text and not a.attisdropped)` +
      namesOf(`
  select k.confrelid as relid from pg_constraint k join cols on k.conrelid = cols.attrelid and cols.attnum = any(k.conkey) where k.contype = 'f'
  union select k.conrelid from pg_constraint k join cols on k.confrelid = cols.attrelid and cols.attnum = any(k.confkey) where k.contype = 'f'`),
    [table.oid, column],
  );
  return plain(rows);
}
