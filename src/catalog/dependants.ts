// What a DROP takes with it, read from pg_depend the way PostgreSQL's own dependency walk does:
//   gone       the object dropped and what is part of it (auto and internal dependencies: a table's
//              indexes, constraints, triggers, toast, row type, partitions and owned sequences; for a
//              column only its default, NOT NULL, owned or identity sequence, plain indexes on it and
//              CHECK constraints on it alone);
//   dependants everything else that depends on the gone objects, then what depends on those (a view
//              on a view), each shown as its owner (a view, not its _RETURN rule; a constraint, not
//              its index; a generated column, not its expression). A plain DROP refuses while there
//              are any; DROP … CASCADE drops them.
// For a column, PRIMARY KEY, UNIQUE, EXCLUSION and FOREIGN KEY constraints, CHECKs over other columns
// too, and statistics objects count as dependants even though PostgreSQL drops them silently: losing
// a key or a constraint on other columns is not something a drop should do unasked.
// One query each, recursive over pg_depend; parts of a listed object (a dependent table's own
// indexes, a partition's index under its parent's) are folded into it.
import { PreflightError } from '../errors/index.js';
import type { TableInfo } from './describe-table.js';
import type { Sql } from '../db/connect.js';

/** A catalog object in pg_describe_object's words, e.g. kind `foreign key`, `foreign key o_fkey on table o`. */
export interface CatalogObject {
  readonly kind: string;
  readonly description: string;
}

export interface DropReach {
  /** Objects outside the dropped one that depend on it: a plain DROP fails while there are any. */
  readonly dependants: readonly CatalogObject[];
  /** Parts that go with it by themselves (indexes, sequences, checks…), for the plan to name. */
  readonly goesWith: readonly CatalogObject[];
}

const pgClass = `'pg_class'::regclass::oid`;

// `seed` (what is dropped) and `gone` (with what is part of it) come first; this walks from them.
const walkAndList = `
reach(classid, objid, objsubid) as (
  select * from gone
  union
  select s.* from reach r
  join pg_depend d
    on (d.refclassid = r.classid and d.refobjid = r.objid and (r.objsubid = 0 or d.refobjsubid = r.objsubid) and d.deptype in ('n', 'a', 'i'))
    or (d.classid = r.classid and d.objid = r.objid and d.objsubid = r.objsubid and d.deptype = 'i')
  cross join lateral (select d.refclassid = r.classid and d.refobjid = r.objid as down) w
  cross join lateral (select case when w.down then d.classid else d.refclassid end,
                             case when w.down then d.objid else d.refobjid end,
                             case when w.down then d.objsubid else d.refobjsubid end) s(classid, objid, objsubid)
  where not (s.classid = ${pgClass} and s.objid = $1::oid and s.objsubid = 0)
),
listed as (
  select r.*, pg_describe_object(r.classid, r.objid, r.objsubid) as description,
         coalesce((select case c.contype when 'p' then 'primary key' when 'u' then 'unique constraint' when 'x' then 'exclusion constraint'
                                          when 'f' then 'foreign key' when 'c' then 'check constraint' when 'n' then 'not-null constraint' end
                   from pg_constraint c where r.classid = 'pg_constraint'::regclass and c.oid = r.objid),
                  (pg_identify_object(r.classid, r.objid, r.objsubid)).type) as kind,
         exists (select from gone g where g.classid = r.classid and g.objid = r.objid and g.objsubid in (0, r.objsubid)) as gone
  from reach r
  where not exists (select from seed s where s.classid = r.classid and s.objid = r.objid and s.objsubid in (0, r.objsubid))
    -- an internal part: its owner is listed instead
    and not exists (select from pg_depend i where i.classid = r.classid and i.objid = r.objid and i.objsubid = r.objsubid and i.deptype = 'i')
    -- a column of a listed relation
    and not (r.objsubid <> 0 and exists (select from reach y where y.classid = r.classid and y.objid = r.objid and y.objsubid = 0))
    -- part of another listed object (a dependent table's index, a partition's index under its parent's)
    and not exists (select from pg_depend p join reach y on y.classid = p.refclassid and y.objid = p.refobjid
                    where p.classid = r.classid and p.objid = r.objid and p.deptype in ('a', 'P')
                      and (y.classid, y.objid) <> (r.classid, r.objid)
                      and not exists (select from seed s where s.classid = y.classid and s.objid = y.objid))
)
select distinct regexp_replace(description, '^constraint', kind) as description, kind, gone from listed
where not gone or kind not in ('default value', 'type', 'toast table', 'not-null constraint')
order by kind, description`;

interface ListedRow {
  description: string;
  kind: string;
  gone: boolean;
}

async function walk(sql: Sql, head: string, params: readonly (string | number)[]): Promise<DropReach> {
  const rows = await sql.unsafe<ListedRow[]>(`with recursive ${head}, ${walkAndList}`, [...params]);
  const object = ({ kind, description }: ListedRow): CatalogObject => ({ kind, description });
  return { dependants: rows.filter((r) => !r.gone).map(object), goesWith: rows.filter((r) => r.gone).map(object) };
}

/**
 * What `alter table … drop column` takes with it. The column is dropped from the children that
 * inherit it too (partitions), so their copies are part of the drop.
 */
export function columnDependants(sql: Sql, table: TableInfo, column: string): Promise<DropReach> {
  return walk(
    sql,
    `
heirs(relid) as (
  select $1::oid
  union
  select i.inhrelid from pg_inherits i join heirs h on i.inhparent = h.relid
),
seed(classid, objid, objsubid) as (
  select ${pgClass}, a.attrelid, a.attnum::int from heirs h join pg_attribute a on a.attrelid = h.relid
  where a.attname = $2::text and not a.attisdropped and (a.attrelid = $1::oid or (not a.attislocal and a.attinhcount = 1))
),
gone(classid, objid, objsubid) as (
  select * from seed
  union
  select d.classid, d.objid, d.objsubid from gone g
  join pg_depend d on d.refclassid = g.classid and d.refobjid = g.objid and (g.objsubid = 0 or d.refobjsubid = g.objsubid)
  where d.deptype in ('a', 'i') and (
    g.objsubid = 0
    or (d.classid = ${pgClass} and (select relkind from pg_class where oid = d.objid) in ('i', 'I', 'S'))
    or (d.classid = 'pg_attrdef'::regclass and exists (select from pg_attrdef ad where ad.oid = d.objid and ad.adrelid = g.objid and ad.adnum = g.objsubid))
    or (d.classid = 'pg_constraint'::regclass and exists (
          select from pg_constraint c where c.oid = d.objid and (c.contype = 'n' or (c.contype = 'c' and c.conkey = array[g.objsubid]::int2[])))))
)`,
    [table.oid, column],
  );
}

/** What `drop table` takes with it. */
export function tableDependants(sql: Sql, table: TableInfo): Promise<DropReach> {
  return walk(
    sql,
    `
seed(classid, objid, objsubid) as (select ${pgClass}, $1::oid, 0),
gone(classid, objid, objsubid) as (
  select * from seed
  union
  select d.classid, d.objid, d.objsubid from gone g
  join pg_depend d on d.refclassid = g.classid and d.refobjid = g.objid and (g.objsubid = 0 or d.refobjsubid = g.objsubid)
  where d.deptype in ('a', 'i')
)`,
    [table.oid],
  );
}

/** A column a child gets from its parent (a partition's, say) can only be dropped from the parent. */
export async function isInheritedColumn(sql: Sql, table: TableInfo, column: string): Promise<boolean> {
  const [row] = await sql<{ inherited: boolean }[]>`
    select attinhcount > 0 as inherited from pg_attribute where attrelid = ${table.oid} and attname = ${column} and not attisdropped`;
  return row?.inherited === true;
}

/**
 * Whether the schema holds online's own ledger (the state schema, whatever its name): its tables
 * must not be dropped by a migration that records itself in them.
 */
export async function holdsOnlineLedger(sql: Sql, schema: string): Promise<boolean> {
  const [row] = await sql<{ ledger: boolean }[]>`
    select count(*) = 4 as ledger from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema} and c.relkind = 'r' and c.relname in ('schema_version', 'migrations', 'steps', 'leases')`;
  return row?.ledger === true;
}

/** Refuses a drop (exit 2) while other objects depend on what it drops, naming each of them. */
export function requireNoDependants(subject: string, dependants: readonly CatalogObject[]): void {
  if (dependants.length === 0) return;
  throw new PreflightError(
    'HAS_DEPENDANTS',
    `${subject} cannot be dropped while other objects depend on it:\n${dependants.map((d) => `  ${d.description}`).join('\n')}\n` +
      'change or drop them first, or set cascade: true (--cascade) to drop them with it',
  );
}

/** `view v, foreign key f on table o` for plan descriptions and warnings. */
export function describeObjects(objects: readonly CatalogObject[]): string {
  return objects.map((o) => o.description).join(', ');
}
