// Everything attached to one column that a rebuild (change-type, rename-column) must carry to a copy of
// it: its default and sequence, the indexes and CHECKs that use it, the foreign keys on either side,
// and whatever else depends on it (views, policies, …), which a rebuild cannot carry and so refuses.
import type { TableInfo } from './describe-table.js';
import type { Sql } from '../db/connect.js';
import { columnDependants } from './dependants.js';
import type { QualifiedName } from '../sql-text/quote.js';

export interface ColumnSequence {
  readonly name: QualifiedName;
  /** `smallint`, `integer` or `bigint`. */
  readonly dataType: string;
  readonly increment: number;
}

export interface ColumnIndex {
  readonly name: string;
  readonly unique: boolean;
  /** `pg_get_indexdef` from `USING` on, e.g. `USING btree (a, b DESC) WHERE (…)`. */
  readonly body: string;
  /** The primary key, unique or exclusion constraint the index backs. */
  readonly constraint: {
    readonly name: string;
    readonly type: 'p' | 'u' | 'x';
    readonly deferrable: boolean;
    readonly deferred: boolean;
  } | null;
}

export interface ColumnCheck {
  readonly name: string;
  /** `pg_get_constraintdef`, e.g. `CHECK ((amount >= 0))`, without a trailing ` NOT VALID`. */
  readonly definition: string;
  readonly validated: boolean;
}

export interface ForeignKeyShape {
  readonly name: string;
  readonly table: QualifiedName;
  readonly columns: readonly string[];
  readonly references: QualifiedName;
  readonly referencedColumns: readonly string[];
  /** Everything after the column lists: `MATCH FULL ON UPDATE … ON DELETE … DEFERRABLE …`. */
  readonly clauses: string;
  readonly validated: boolean;
}

export interface ColumnShape {
  readonly attnum: number;
  readonly type: string;
  readonly notNull: boolean;
  /** PostgreSQL 18+: the name of the column's own NOT NULL constraint (contype 'n'); null before 18, or when nullable. */
  readonly notNullConstraint: string | null;
  /** `a` GENERATED ALWAYS AS IDENTITY, `d` BY DEFAULT, empty otherwise. */
  readonly identity: string;
  readonly generated: string;
  /** The default expression (not for identity columns). */
  readonly default: string | null;
  /** The sequence the column owns: a serial's, or an identity's. */
  readonly sequence: ColumnSequence | null;
  readonly indexes: readonly ColumnIndex[];
  readonly invalidIndexes: readonly string[];
  readonly checks: readonly ColumnCheck[];
  /** Foreign keys whose referencing or referenced columns include this one. */
  readonly foreignKeys: readonly ForeignKeyShape[];
  /** Objects that depend on the column and that a rebuild cannot carry (views, policies, triggers…). */
  readonly otherDependants: readonly string[];
}

interface ColumnRow {
  attnum: number;
  type: string;
  notNull: boolean;
  notNullConstraint: string | null;
  identity: string;
  generated: string;
  default: string | null;
  sequence: string | null;
}

/** Dependants a rebuild carries to the copy (exclusion constraints are refused separately). */
const carriedKinds: ReadonlySet<string> = new Set([
  'primary key',
  'unique constraint',
  'exclusion constraint',
  'foreign key',
  'check constraint',
  'index',
]);

export async function readColumnShape(sql: Sql, table: TableInfo, column: string): Promise<ColumnShape | undefined> {
  const tableOid = table.oid;
  const [col] = await sql<ColumnRow[]>`
    select a.attnum::int as attnum, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as "notNull",
           a.attidentity::text as identity, a.attgenerated::text as generated,
           case when a.attidentity = '' then pg_get_expr(d.adbin, d.adrelid) end as default,
           pg_get_serial_sequence(a.attrelid::regclass::text, a.attname)::regclass::oid::text as sequence,
           (select conname from pg_constraint where conrelid = a.attrelid and contype = 'n' and conkey = array[a.attnum]) as "notNullConstraint"
    from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = ${tableOid} and a.attname = ${column} and a.attnum > 0 and not a.attisdropped`;
  if (col === undefined) return undefined;

  const [sequence] =
    col.sequence === null
      ? []
      : await sql<{ schema: string; name: string; dataType: string; increment: number }[]>`
          select n.nspname as schema, c.relname as name, format_type(s.seqtypid, null) as "dataType", s.seqincrement::float8 as increment
          from pg_sequence s join pg_class c on c.oid = s.seqrelid join pg_namespace n on n.oid = c.relnamespace
          where s.seqrelid = ${col.sequence}::oid`;

  const indexRows = await sql<
    {
      name: string;
      unique: boolean;
      valid: boolean;
      definition: string;
      conname: string | null;
      contype: string | null;
      deferrable: boolean | null;
      deferred: boolean | null;
    }[]
  >`
    select ic.relname as name, i.indisunique as unique, i.indisvalid as valid, pg_get_indexdef(i.indexrelid) as definition,
           con.conname, con.contype::text as contype, con.condeferrable as deferrable, con.condeferred as deferred
    from pg_index i join pg_class ic on ic.oid = i.indexrelid
    left join pg_constraint con on con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u', 'x')
    where i.indrelid = ${tableOid}
      and (${col.attnum}::int2 = any(i.indkey::int2[])
           or exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = i.indexrelid
                      and d.refclassid = 'pg_class'::regclass and d.refobjid = i.indrelid and d.refobjsubid = ${col.attnum}))
    order by ic.relname`;

  const checks = await sql<{ name: string; definition: string; validated: boolean }[]>`
    select conname as name, pg_get_constraintdef(oid) as definition, convalidated as validated
    from pg_constraint where conrelid = ${tableOid} and contype = 'c' and ${col.attnum}::int2 = any(conkey) order by conname`;

  const foreignKeys = await sql<
    (Omit<ForeignKeyShape, 'table' | 'references'> & { schema: string; tableName: string; refSchema: string; refTable: string })[]
  >`
    select c.conname as name, n.nspname as schema, t.relname as "tableName", rn.nspname as "refSchema", rt.relname as "refTable",
           array(select a.attname::text from unnest(c.conkey) with ordinality k(attnum, ord)
                 join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.ord) as columns,
           array(select a.attname::text from unnest(c.confkey) with ordinality k(attnum, ord)
                 join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.attnum order by k.ord) as "referencedColumns",
           regexp_replace(pg_get_constraintdef(c.oid), '^FOREIGN KEY \\(.*?\\) REFERENCES .*?\\(.*?\\) ?(.*?)( NOT VALID)?$', '\\1') as clauses,
           c.convalidated as validated
    from pg_constraint c
    join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
    join pg_class rt on rt.oid = c.confrelid join pg_namespace rn on rn.oid = rt.relnamespace
    where c.contype = 'f' and ((c.conrelid = ${tableOid} and ${col.attnum}::int2 = any(c.conkey))
                            or (c.confrelid = ${tableOid} and ${col.attnum}::int2 = any(c.confkey)))
    order by c.conname`;

  // Whatever else depends on the column, as a drop of it would see it: keys, foreign keys, CHECKs and
  // plain indexes are carried to the copy above; views, policies, triggers, statistics, generated
  // columns and functions are not.
  const reach = await columnDependants(sql, table, column);
  const others = reach.dependants.filter((d) => !carriedKinds.has(d.kind));

  return {
    attnum: col.attnum,
    type: col.type,
    notNull: col.notNull,
    notNullConstraint: col.notNullConstraint,
    identity: col.identity,
    generated: col.generated,
    default: col.default,
    sequence:
      sequence === undefined
        ? null
        : { name: { schema: sequence.schema, name: sequence.name }, dataType: sequence.dataType, increment: sequence.increment },
    indexes: indexRows
      .filter((i) => i.valid)
      .map((i) => ({
        name: i.name,
        unique: i.unique,
        body: i.definition.slice(i.definition.indexOf(' USING ') + 1),
        constraint:
          i.conname === null
            ? null
            : { name: i.conname, type: i.contype as 'p' | 'u' | 'x', deferrable: i.deferrable === true, deferred: i.deferred === true },
      })),
    invalidIndexes: indexRows.filter((i) => !i.valid).map((i) => i.name),
    checks: checks.map((c) => ({ ...c, definition: c.definition.replace(/ NOT VALID$/, '') })),
    foreignKeys: foreignKeys.map(({ schema, tableName, refSchema, refTable, ...fk }) => ({
      ...fk,
      table: { schema, name: tableName },
      references: { schema: refSchema, name: refTable },
    })),
    otherDependants: others.map((o) => o.description),
  };
}
