// The catalog's figures of a relation a plan names: which table it is, how big, how many rows. A
// relation the plan itself creates (a new index, a new table) is not in the catalog yet: undefined.
import type { Sql } from '../db/connect.js';
import type { QualifiedName } from '../sql-text/quote.js';
import { relationText, type RelationName } from './statement-analysis.js';

export interface TableFigures {
  readonly table: QualifiedName;
  readonly oid: number;
  /**
   * pg_class.relpages and reltuples (as of the last VACUUM/ANALYZE; reltuples -1 if never). A
   * partitioned table's figures are its leaf partitions' together (the parent itself holds nothing):
   * rows -1 when a leaf was never analyzed.
   */
  readonly pages: number;
  readonly rows: number;
  /** pg_relation_size: the heap alone. */
  readonly tableBytes: number;
  /** pg_indexes_size: all its indexes. */
  readonly indexBytes: number;
  /** pg_total_relation_size: heap, indexes and TOAST. */
  readonly totalBytes: number;
}

interface FiguresRow {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly pages: number;
  readonly rows: number;
  readonly table_bytes: number;
  readonly index_bytes: number;
  readonly total_bytes: number;
}

/** Looks relations up once each: `figures(name, ofIndex)` is the table (or an index's table). */
export function relationFigures(sql: Sql): (relation: RelationName, ofIndex: boolean) => Promise<TableFigures | undefined> {
  const cache = new Map<string, Promise<TableFigures | undefined>>();
  return (relation, ofIndex) => {
    const text = relationText(relation);
    const key = `${ofIndex ? 'index:' : ''}${text}`;
    let found = cache.get(key);
    if (found === undefined) {
      found = (async () => {
        const [row] = await sql<FiguresRow[]>`
          with target as (
            select case when ${ofIndex} then (select i.indrelid from pg_index i where i.indexrelid = to_regclass(${text}))
                        else to_regclass(${text})::oid end as oid)
          select c.oid::int as oid, n.nspname as schema, c.relname as name,
                 coalesce(sum(r.relpages), 0)::float8 as pages,
                 case when bool_and(r.reltuples >= 0) then sum(r.reltuples) else -1 end::float8 as rows,
                 coalesce(sum(pg_relation_size(r.oid)), 0)::float8 as table_bytes,
                 coalesce(sum(pg_indexes_size(r.oid)), 0)::float8 as index_bytes,
                 coalesce(sum(pg_total_relation_size(r.oid)), 0)::float8 as total_bytes
          from target t join pg_class c on c.oid = t.oid join pg_namespace n on n.oid = c.relnamespace
          left join lateral (
            select x.oid, x.relpages, x.reltuples from pg_class x where x.oid = c.oid and c.relkind <> 'p'
            union all
            select x.oid, x.relpages, x.reltuples from pg_partition_tree(c.oid) p join pg_class x on x.oid = p.relid
            where c.relkind = 'p' and p.isleaf) r on true
          group by c.oid, n.nspname, c.relname`;
        if (row === undefined) return undefined;
        return {
          table: { schema: row.schema, name: row.name },
          oid: row.oid,
          pages: row.pages,
          rows: row.rows,
          tableBytes: row.table_bytes,
          indexBytes: row.index_bytes,
          totalBytes: row.total_bytes,
        };
      })();
      cache.set(key, found);
    }
    return found;
  };
}

/** The table's rows: reltuples, or (never analyzed) its pages at the average tuple density of a fresh table. */
export function rowsOf(figures: TableFigures): number {
  if (figures.rows >= 0) return figures.rows;
  return Math.round(figures.tableBytes / 100);
}
