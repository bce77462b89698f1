// What the catalog says about a table, in a form tests can compare.
import type postgres from 'postgres';

export interface CatalogSnapshot {
  readonly columns: Record<string, { type: string; notNull: boolean; default: string | null }>;
  readonly triggers: readonly string[];
  readonly constraints: Record<string, { type: string; validated: boolean }>;
  readonly onlineFunctions: readonly string[];
}

export async function catalogSnapshot(sql: postgres.Sql, table = 'tickets'): Promise<CatalogSnapshot> {
  const columns = await sql<{ name: string; type: string; notNull: boolean; default: string | null }[]>`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as "notNull",
           pg_get_expr(d.adbin, d.adrelid) as default
    from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = ${table}::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`;
  const triggers = await sql<{ name: string }[]>`
    select tgname as name from pg_trigger where tgrelid = ${table}::regclass and not tgisinternal order by 1`;
  const constraints = await sql<{ name: string; type: string; validated: boolean }[]>`
    select conname as name, contype::text as type, convalidated as validated from pg_constraint
    where conrelid = ${table}::regclass and contype <> 'n' order by 1`;
  const functions = await sql<{ name: string }[]>`select proname as name from pg_proc where proname like 'online%' order by 1`;
  return {
    columns: Object.fromEntries(columns.map((c) => [c.name, { type: c.type, notNull: c.notNull, default: c.default }])),
    triggers: triggers.map((t) => t.name),
    constraints: Object.fromEntries(constraints.map((c) => [c.name, { type: c.type, validated: c.validated }])),
    onlineFunctions: functions.map((f) => f.name),
  };
}

/**
 * Everything user-visible in the database, outside PostgreSQL's own schemas: relations and their
 * columns, constraints, triggers and functions, and the ledger's rows. Equal before and after a
 * refused command means nothing was changed.
 */
export async function databaseSnapshot(sql: postgres.Sql): Promise<readonly string[]> {
  const rows = await sql<{ item: string }[]>`
    select format('%s.%s %s', n.nspname, c.relname, c.relkind) as item
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'
    union all
    select format('%s.%s.%s %s %s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull)
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
     where a.attnum > 0 and not a.attisdropped and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
    union all
    select format('constraint %s on %s %s %s', conname, conrelid::regclass, contype, convalidated) from pg_constraint where connamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
    union all
    select format('trigger %s on %s', tgname, tgrelid::regclass) from pg_trigger where not tgisinternal
    union all
    select format('function %s.%s', pronamespace::regnamespace, proname) from pg_proc where pronamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)

    order by 1`;
  const ledgers = await sql<
    { schema: string }[]
  >`select n.nspname as schema from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = 'migrations' and c.relkind = 'r' order by 1`;
  const recorded: string[] = [];
  for (const { schema } of ledgers) {
    const names = await sql
      .unsafe<{ name: string }[]>(`select name from "${schema.replaceAll('"', '""')}".migrations order by name`)
      .catch(() => []);
    recorded.push(...names.map((r) => `recorded ${schema}: ${r.name}`));
  }
  return [...rows.map((r) => r.item), ...recorded];
}
