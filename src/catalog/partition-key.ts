// What attaching a partition must match on its parent: the partition key (plain columns with their
// default operator class and collation can be stated as a CHECK PostgreSQL recognizes), the parent's
// partitioned indexes (and the constraints they back) and its foreign keys.
import type { Sql, TransactionSql } from '../db/connect.js';

export interface PartitionKey {
  /** `range`, `list` or `hash`. */
  readonly strategy: 'range' | 'list' | 'hash';
  /** `pg_get_partkeydef`, e.g. `RANGE (created_at)`. */
  readonly definition: string;
  /** The key's plain columns, in key order. */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** Every key part is a plain column with its type's default operator class and its own collation. */
  readonly plainColumns: boolean;
}

export async function readPartitionKey(sql: Sql, oid: number): Promise<PartitionKey | undefined> {
  const [row] = await sql<{ strategy: string; definition: string; columns: { name: string; type: string }[]; plain: boolean }[]>`
    select pt.partstrat::text as strategy, pg_get_partkeydef(pt.partrelid) as definition,
           coalesce(json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) order by k.ord)
                      filter (where a.attname is not null), '[]') as columns,
           bool_and(k.attnum <> 0 and coalesce(oc.opcdefault, false) and pt.partcollation[k.ord - 1] = a.attcollation) as plain
    from pg_partitioned_table pt
    cross join lateral unnest(pt.partattrs::int2[]) with ordinality k(attnum, ord)
    left join pg_attribute a on a.attrelid = pt.partrelid and a.attnum = k.attnum
    left join pg_opclass oc on oc.oid = pt.partclass[k.ord - 1]
    where pt.partrelid = ${oid}
    group by pt.partrelid, pt.partstrat`;
  if (row === undefined) return undefined;
  const strategy = row.strategy === 'r' ? 'range' : row.strategy === 'l' ? 'list' : 'hash';
  return { strategy, definition: row.definition, columns: row.columns, plainColumns: row.plain };
}

/** A partitioned index of the parent: a partition must have a matching one, or ATTACH builds it under its lock. */
export interface ParentIndex {
  readonly name: string;
  /** `UNIQUE USING btree (a, b)`-style (normalizeIndexDefinition): what "matching" compares. */
  readonly definition: string;
  readonly unique: boolean;
  /** `p` or `u` when it backs a primary key or unique constraint (then the partition's must too), `x` exclusion. */
  readonly constraintType: string | null;
  readonly constraintName: string | null;
}

/**
 * Catalog text (index and constraint definitions) with every name outside pg_catalog schema-qualified,
 * so it means the same spliced into DDL under any search_path.
 */
async function qualifiedDefinitions<T>(sql: Sql, read: (tx: TransactionSql) => Promise<T[]>): Promise<T[]> {
  let rows: T[] = [];
  await sql.begin(async (tx) => {
    await tx`select set_config('search_path', '', true)`;
    rows = await read(tx);
  });
  return rows;
}

export async function readIndexesForMatching(sql: Sql, oid: number): Promise<ParentIndex[]> {
  return qualifiedDefinitions(
    sql,
    (tx) => tx<ParentIndex[]>`
    select ic.relname as name, i.indisunique as unique, pg_get_indexdef(i.indexrelid) as definition,
           c.contype::text as "constraintType", c.conname as "constraintName"
    from pg_index i join pg_class ic on ic.oid = i.indexrelid
    left join pg_constraint c on c.conindid = i.indexrelid and c.conrelid = i.indrelid and c.contype in ('p', 'u', 'x')
    where i.indrelid = ${oid} and i.indisvalid
    order by ic.relname`,
  );
}

/** A foreign key, by its definition (`FOREIGN KEY (a) REFERENCES s.t(id)`) and whether it is validated. */
export interface ForeignKeyShape {
  readonly name: string;
  readonly definition: string;
  readonly validated: boolean;
}

export async function readForeignKeys(sql: Sql, oid: number): Promise<ForeignKeyShape[]> {
  return qualifiedDefinitions(
    sql,
    (tx) => tx<ForeignKeyShape[]>`
    select conname as name, pg_get_constraintdef(oid) as definition, convalidated as validated
    from pg_constraint where conrelid = ${oid} and contype = 'f' order by conname`,
  );
}
