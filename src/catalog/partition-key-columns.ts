// The columns a partitioned table is partitioned by, at any level: its own partition key and those of
// its partitioned partitions (sub-partitioning). PostgreSQL refuses to drop such a column or change
// its type. A key expression's columns are not recorded one by one in the catalog: a column whose name
// appears as a word in the key's definition (pg_get_partkeydef) counts, which can only refuse too much.
import type { Sql } from '../db/connect.js';
import { quoteQualified, type QualifiedName } from '../sql-text/quote.js';

export async function partitionKeyColumns(sql: Sql, table: QualifiedName): Promise<string[]> {
  const rows = await sql<{ column: string }[]>`
    with recursive tree as (
      select ${quoteQualified(table)}::regclass::oid as relid
      union all
      select i.inhrelid from pg_inherits i join tree t on i.inhparent = t.relid)
    select distinct a.attname as column
    from tree t join pg_partitioned_table p on p.partrelid = t.relid
    join pg_attribute a on a.attrelid = t.relid and a.attnum > 0 and not a.attisdropped and (
      a.attnum = any(p.partattrs::int2[])
      or (p.partexprs is not null and case
            when a.attname ~ '^[a-z_][a-z0-9_]*$' then pg_get_partkeydef(t.relid) ~ ('\\m' || a.attname || '\\M')
            else position(quote_ident(a.attname) in pg_get_partkeydef(t.relid)) > 0 end))
    order by 1`;
  return rows.map((r) => r.column);
}
