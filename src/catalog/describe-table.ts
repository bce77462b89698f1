// Catalog introspection: what a table looks like now (columns, key, indexes, constraints, triggers).
import type { Sql } from '../db/connect.js';
import type { QualifiedName } from '../sql-text/quote.js';

export interface ColumnInfo {
  readonly name: string;
  /** `format_type` output, valid SQL type syntax (e.g. `character varying(20)`). */
  readonly type: string;
  readonly notNull: boolean;
  readonly hasDefault: boolean;
  /** `a` GENERATED ALWAYS AS IDENTITY, `d` BY DEFAULT, empty otherwise. */
  readonly identity: string;
  /** `s` for a stored generated column, empty otherwise. */
  readonly generated: string;
}

export interface KeyColumn {
  readonly name: string;
  readonly type: string;
}

/** The key a backfill pages over: the primary key, or else a unique index on NOT NULL columns. */
export interface TableKey {
  readonly kind: 'primary' | 'unique';
  readonly indexName: string;
  readonly columns: readonly KeyColumn[];
}

export interface IndexInfo {
  readonly name: string;
  readonly valid: boolean;
  readonly unique: boolean;
  readonly primary: boolean;
  readonly definition: string;
}

export interface ConstraintInfo {
  readonly name: string;
  /** `c` check, `f` foreign key, `p` primary, `u` unique, `x` exclusion, `n` not null (PG 18). */
  readonly type: string;
  readonly validated: boolean;
  readonly definition: string;
}

export interface TriggerInfo {
  readonly name: string;
  readonly functionName: string;
}

export interface TableInfo extends QualifiedName {
  readonly oid: number;
  /** A partitioned table (relkind p): no storage of its own, no concurrent index builds on it. */
  readonly partitioned: boolean;
  /** The partitioned table this one is a partition of: its columns are its parent's. */
  readonly partitionOf: QualifiedName | undefined;
  readonly columns: readonly ColumnInfo[];
  readonly key: TableKey | undefined;
  readonly indexes: readonly IndexInfo[];
  readonly constraints: readonly ConstraintInfo[];
  readonly triggers: readonly TriggerInfo[];
  /** `reltuples`, or -1 when the table was never analyzed. */
  readonly estimatedRows: number;
}

interface IndexRow {
  name: string;
  valid: boolean;
  unique: boolean;
  primary: boolean;
  partial: boolean;
  definition: string;
  columns: string[] | null;
}

/** Reads a table's shape; `undefined` when no such ordinary or partitioned table exists. */
export async function describeTable(sql: Sql, table: QualifiedName): Promise<TableInfo | undefined> {
  const [rel] = await sql<{ oid: number; reltuples: number; partitioned: boolean; parentSchema: string | null; parent: string | null }[]>`
    select c.oid::int as oid, c.reltuples::float8 as reltuples, c.relkind = 'p' as partitioned,
           pn.nspname as "parentSchema", p.relname as parent
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    left join pg_inherits i on c.relispartition and i.inhrelid = c.oid
    left join pg_class p on p.oid = i.inhparent
    left join pg_namespace pn on pn.oid = p.relnamespace
    where n.nspname = ${table.schema} and c.relname = ${table.name} and c.relkind in ('r', 'p')`;
  if (rel === undefined) return undefined;

  const columns = await sql<ColumnInfo[]>`
    select attname as name, format_type(atttypid, atttypmod) as type, attnotnull as "notNull",
           atthasdef as "hasDefault", attidentity::text as identity, attgenerated::text as generated
    from pg_attribute where attrelid = ${rel.oid} and attnum > 0 and not attisdropped order by attnum`;

  const indexRows = await sql<IndexRow[]>`
    select ic.relname as name, i.indisvalid as valid, i.indisunique as unique, i.indisprimary as primary,
           i.indpred is not null as partial, pg_get_indexdef(i.indexrelid) as definition,
           case when 0 = any(i.indkey::int2[]) then null else array(
             select a.attname::text from unnest(i.indkey::int2[]) with ordinality k(attnum, ord)
             join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
             where k.ord <= i.indnkeyatts order by k.ord) end as columns
    from pg_index i join pg_class ic on ic.oid = i.indexrelid
    where i.indrelid = ${rel.oid} order by ic.relname`;

  const constraints = await sql<ConstraintInfo[]>`
    select conname as name, contype::text as type, convalidated as validated, pg_get_constraintdef(oid) as definition
    from pg_constraint where conrelid = ${rel.oid} order by conname`;

  const triggers = await sql<TriggerInfo[]>`
    select t.tgname as name, p.proname as "functionName"
    from pg_trigger t join pg_proc p on p.oid = t.tgfoid
    where t.tgrelid = ${rel.oid} and not t.tgisinternal order by t.tgname`;

  return {
    schema: table.schema,
    name: table.name,
    oid: rel.oid,
    partitioned: rel.partitioned,
    partitionOf: rel.parent === null || rel.parentSchema === null ? undefined : { schema: rel.parentSchema, name: rel.parent },
    columns,
    key: chooseKey(indexRows, columns),
    indexes: indexRows.map(({ name, valid, unique, primary, definition }) => ({ name, valid, unique, primary, definition })),
    constraints,
    triggers,
    estimatedRows: rel.reltuples,
  };
}

/** Prefers the primary key; else the narrowest valid, non-partial unique index over NOT NULL columns. */
function chooseKey(indexes: readonly IndexRow[], columns: readonly ColumnInfo[]): TableKey | undefined {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const candidates = indexes
    .filter((i) => i.valid && i.unique && !i.partial && i.columns !== null)
    .filter((i) => i.columns?.every((c) => byName.get(c)?.notNull === true))
    .sort((a, b) => Number(b.primary) - Number(a.primary) || (a.columns?.length ?? 0) - (b.columns?.length ?? 0));
  const chosen = candidates[0];
  if (chosen?.columns == null) return undefined;
  return {
    kind: chosen.primary ? 'primary' : 'unique',
    indexName: chosen.name,
    columns: chosen.columns.map((name) => ({ name, type: byName.get(name)?.type ?? 'text' })),
  };
}

/** What a relation that is not a table is, e.g. `a view`; undefined when nothing has that name. */
export async function describeNonTable(sql: Sql, relation: QualifiedName): Promise<string | undefined> {
  const [row] = await sql<{ kind: string }[]>`
    select c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${relation.schema} and c.relname = ${relation.name}`;
  if (row === undefined) return undefined;
  return relationKinds[row.kind] ?? `a relation of kind ${row.kind}`;
}

const relationKinds: Readonly<Record<string, string>> = {
  r: 'a table',
  p: 'a partitioned table',
  v: 'a view',
  m: 'a materialized view',
  f: 'a foreign table',
  S: 'a sequence',
  i: 'an index',
  I: 'a partitioned index',
  c: 'a composite type',
  t: 'a TOAST table',
};

export function findColumn(table: TableInfo, name: string): ColumnInfo | undefined {
  return table.columns.find((c) => c.name === name);
}
