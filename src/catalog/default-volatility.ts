// Whether an add-column default is volatile, decided from the catalog: nothing user-written is
// evaluated. (Asking PostgreSQL to add the column to a table with a row would run the default: a
// function writing through dblink, nextval() and a slow function all took effect in pre-flight.)
//
// The default is volatile when ANY of these is:
//   - a function it names (FuncCall), or the function behind an operator it names (A_Expr, with the
//     operators hidden in IN/LIKE/BETWEEN/NULLIF/CASE), taking every candidate of that name in its
//     schema, or in current_schemas(true) when unqualified: all overloads, since which one PostgreSQL
//     picks depends on argument types we do not resolve;
//   - a function PostgreSQL itself resolved when storing the default on an empty temporary table
//     (CREATE TABLE stores a default without evaluating it): this adds the implicit casts the text
//     does not show, e.g. a volatile assignment cast into the column type;
//   - the column's type or a type it casts to is a domain with constraints (ADD COLUMN checks those
//     row by row), or a type whose input function is volatile.
// Conservative is the safe side: "volatile" only picks the slower safe path (add the column without
// the default, SET DEFAULT after, backfill the existing rows in batches), while a wrong "not volatile"
// would put the default in ADD COLUMN, which then rewrites the whole table under ACCESS EXCLUSIVE.
import type { Node } from 'libpg-query';
import { InvalidExpressionError } from '../errors/index.js';
import { calledNames } from '../sql-grammar/called-names.js';
import { errorMessage, type Sql } from '../db/connect.js';
import { inRolledBackTransaction } from '../db/rolled-back-transaction.js';

const probeTable = 'online_default_probe';

/** `[schema, name]` pairs for the catalog: an unqualified name has schema ''. */
function split(names: readonly (readonly string[])[]): { schemas: string[]; names: string[] } {
  return {
    schemas: names.map((n) => (n.length > 1 ? (n[n.length - 2] ?? '') : '')),
    names: names.map((n) => n[n.length - 1] ?? ''),
  };
}

/**
 * The functions PostgreSQL resolved for the default, read from the expression it stores on an empty
 * temporary table in a rolled-back transaction; also its verdict on the default (a subquery, an
 * aggregate or a column reference is refused there, as ADD COLUMN would).
 */
async function resolvedFunctions(sql: Sql, field: string, expression: string, type: string): Promise<string[]> {
  try {
    return await inRolledBackTransaction(sql, async (tx) => {
      await tx.unsafe(`create temporary table ${probeTable} (probed ${type} default (${expression})) on commit drop`);
      const [row] = await tx<{ tree: string }[]>`
        select adbin::text as tree from pg_attrdef where adrelid = ${`pg_temp.${probeTable}`}::regclass`;
      return [...(row?.tree ?? '').matchAll(/:(?:funcid|opfuncid) (\d+)/g)].map((m) => m[1] ?? '0');
    });
  } catch (error) {
    throw new InvalidExpressionError(field, expression, errorMessage(error), { cause: error });
  }
}

/** True when adding a column of `type` with this default could rewrite the table (see the header). */
export async function isDefaultVolatile(sql: Sql, field: string, expression: string, tree: Node, type: string): Promise<boolean> {
  const named = calledNames(tree);
  const functions = split(named.functions);
  const operators = split(named.operators);
  const types = split(named.types);
  const resolved = await resolvedFunctions(sql, field, expression, type);
  const [row] = await sql<{ volatile: boolean }[]>`
    with recursive
      fn as (select * from unnest(${functions.schemas}::text[], ${functions.names}::text[]) as f(schema, name)),
      op as (select * from unnest(${operators.schemas}::text[], ${operators.names}::text[]) as o(schema, name)),
      named_type as (
        select t.oid from unnest(${types.schemas}::text[], ${types.names}::text[]) as w(schema, name)
        join pg_type t on t.typname = w.name
        join pg_namespace n on n.oid = t.typnamespace
        where n.nspname = w.schema or (w.schema = '' and n.nspname = any(current_schemas(true)))
        union select to_regtype(${type})),
      type_chain as (
        select t.oid, t.typbasetype, t.typelem, t.typtype, t.typnotnull, t.typinput from pg_type t where t.oid in (select oid from named_type)
        union
        select b.oid, b.typbasetype, b.typelem, b.typtype, b.typnotnull, b.typinput from type_chain c
        join pg_type b on b.oid = c.typbasetype or (b.oid = c.typelem and c.typelem <> 0))
    select
      exists (select 1 from fn join pg_proc p on p.proname = fn.name join pg_namespace n on n.oid = p.pronamespace
              where p.provolatile = 'v' and (n.nspname = fn.schema or (fn.schema = '' and n.nspname = any(current_schemas(true)))))
      or exists (select 1 from op join pg_operator o on o.oprname = op.name join pg_namespace n on n.oid = o.oprnamespace
                 join pg_proc p on p.oid = o.oprcode
                 where p.provolatile = 'v' and (n.nspname = op.schema or (op.schema = '' and n.nspname = any(current_schemas(true)))))
      or exists (select 1 from pg_proc p where p.oid = any(${resolved}::oid[]) and p.provolatile = 'v')
      or exists (select 1 from type_chain c where c.typtype = 'd' and (c.typnotnull or exists (select 1 from pg_constraint k where k.contypid = c.oid)))
      or exists (select 1 from type_chain c join pg_proc p on p.oid = c.typinput where p.provolatile = 'v')
      as volatile`;
  return row?.volatile !== false;
}
