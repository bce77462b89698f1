// The copy's first groups, read from the target's catalog: schemas, extensions, and the user types
// (enums, domains with their checks, composite types). Objects an extension owns come with it.
import type { TransactionSql } from '../db/connect.js';
import { quoteLiteral } from '../sql-text/literal.js';
import { displayName, quoteIdent, quoteQualified } from '../sql-text/quote.js';
import type { CopyStatement, StatementRunner } from './schema-copy-statements.js';

/** The schemas a copy covers: every user schema but online's state schema, or the ones asked for. */
export async function copiedSchemas(tx: TransactionSql, stateSchema: string, only?: readonly string[]): Promise<string[]> {
  const rows = await tx<{ name: string }[]>`
    select n.nspname as name from pg_namespace n
     where n.nspname not in ('information_schema', ${stateSchema}) and n.nspname not like 'pg\_%'
       and not exists (select from pg_depend d where d.classid = 'pg_namespace'::regclass and d.objid = n.oid and d.deptype = 'e')
     order by n.nspname`;
  const names = rows.map((r) => r.name);
  return only === undefined ? names : names.filter((name) => only.includes(name));
}

export function schemaStatements(schemas: readonly string[]): CopyStatement[] {
  return schemas.map((name) => ({ kind: 'schema', name, sql: `create schema if not exists ${quoteIdent(name)}` }));
}

/** Extensions the copy's server has are created; the others are skipped, and what needs them fails later, named. */
export async function extensionStatements(tx: TransactionSql, runner: StatementRunner): Promise<CopyStatement[]> {
  const wanted = await tx<{ name: string; schema: string }[]>`
    select e.extname as name, n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
     where e.extname <> 'plpgsql' order by e.oid`;
  const available = new Set((await runner.copy<{ name: string }[]>`select name from pg_available_extensions`).map((r) => r.name));
  const statements: CopyStatement[] = [];
  for (const { name, schema } of wanted) {
    if (!available.has(name)) {
      runner.skip('extension', name, "not available in the copy's PostgreSQL: objects that need it are skipped");
      continue;
    }
    statements.push({ kind: 'schema', name: schema, sql: `create schema if not exists ${quoteIdent(schema)}`, counts: false });
    statements.push({
      kind: 'extension',
      name,
      sql: `create extension if not exists ${quoteIdent(name)} with schema ${quoteIdent(schema)} cascade`,
    });
  }
  return statements;
}

interface TypeRow {
  readonly schema: string;
  readonly name: string;
}

export async function typeStatements(tx: TransactionSql, schemas: readonly string[], runner: StatementRunner): Promise<CopyStatement[]> {
  const enums = await tx<(TypeRow & { labels: string[] })[]>`
    select n.nspname as schema, t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
      from pg_type t join pg_namespace n on n.oid = t.typnamespace join pg_enum e on e.enumtypid = t.oid
     where n.nspname = any(${schemas}) and t.typtype = 'e'
       and not exists (select from pg_depend d where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')
     group by t.oid, n.nspname, t.typname order by t.oid`;
  const domains = await tx<
    (TypeRow & {
      base: string;
      collation: string | null;
      default: string | null;
      notNull: boolean;
      checks: { name: string; def: string }[];
    })[]
  >`
    select n.nspname as schema, t.typname as name, format_type(t.typbasetype, t.typtypmod) as base,
           case when t.typcollation <> 0 and t.typcollation <> b.typcollation then t.typcollation::regcollation::text end as collation,
           pg_get_expr(t.typdefaultbin, 0) as default, t.typnotnull as "notNull",
           coalesce((select json_agg(json_build_object('name', c.conname, 'def', pg_get_constraintdef(c.oid)) order by c.conname)
                       from pg_constraint c where c.contypid = t.oid and c.contype = 'c'), '[]') as checks
      from pg_type t join pg_namespace n on n.oid = t.typnamespace join pg_type b on b.oid = t.typbasetype
     where n.nspname = any(${schemas}) and t.typtype = 'd'
       and not exists (select from pg_depend d where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')
     order by t.oid`;
  const composites = await tx<(TypeRow & { attributes: { name: string; type: string; collation: string | null }[] | null })[]>`
    select n.nspname as schema, t.typname as name,
           (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                              'collation', case when a.attcollation <> 0 and a.attcollation <> at.typcollation then a.attcollation::regcollation::text end)
                            order by a.attnum)
              from pg_attribute a join pg_type at on at.oid = a.atttypid
             where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped) as attributes
      from pg_type t join pg_namespace n on n.oid = t.typnamespace join pg_class c on c.oid = t.typrelid and c.relkind = 'c'
     where n.nspname = any(${schemas}) and t.typtype = 'c'
       and not exists (select from pg_depend d where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')
     order by t.oid`;
  const others = await tx<(TypeRow & { kind: string })[]>`
    select n.nspname as schema, t.typname as name, t.typtype::text as kind
      from pg_type t join pg_namespace n on n.oid = t.typnamespace
     where n.nspname = any(${schemas}) and (t.typtype = 'r' or (t.typtype = 'b' and t.typcategory <> 'A'))
       and not exists (select from pg_depend d where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')`;
  for (const other of others) {
    runner.skip('type', displayName(other), other.kind === 'r' ? 'range types are not copied' : 'base types (written in C) are not copied');
  }
  const statements: CopyStatement[] = enums.map((e) => ({
    kind: 'type',
    name: displayName(e),
    sql: `create type ${quoteQualified(e)} as enum (${e.labels.map(quoteLiteral).join(', ')})`,
  }));
  for (const d of domains) {
    const collate = d.collation === null ? '' : ` collate ${d.collation}`;
    const fallback = d.default === null ? '' : ` default ${d.default}`;
    statements.push({
      kind: 'domain',
      name: displayName(d),
      sql: `create domain ${quoteQualified(d)} as ${d.base}${collate}${fallback}${d.notNull ? ' not null' : ''}`,
    });
    for (const check of d.checks) {
      statements.push({
        kind: 'domain',
        name: `${check.name} on ${displayName(d)}`,
        sql: `alter domain ${quoteQualified(d)} add constraint ${quoteIdent(check.name)} ${check.def}`,
        counts: false,
      });
    }
  }
  for (const c of composites) {
    const attributes = (c.attributes ?? []).map(
      (a) => `${quoteIdent(a.name)} ${a.type}${a.collation === null ? '' : ` collate ${a.collation}`}`,
    );
    statements.push({ kind: 'type', name: displayName(c), sql: `create type ${quoteQualified(c)} as (${attributes.join(', ')})` });
  }
  return statements;
}
