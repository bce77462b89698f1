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
