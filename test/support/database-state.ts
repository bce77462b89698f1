// Everything a migration could change in a database outside its own ledger, in a form tests compare
// with toEqual: per table its columns, constraints, indexes, triggers and a hash of every row; the
// functions and sequences of user schemas. Two databases with equal states hold the same schema and data.
import postgres from 'postgres';

export interface TableState {
  readonly columns: readonly string[];
  readonly constraints: readonly string[];
  readonly indexes: readonly string[];
  readonly triggers: readonly string[];
  readonly rows: number;
  /** md5 of every row's text, in a fixed order. */
  readonly rowsHash: string;
}

export interface DatabaseState {
  /** `schema.table` → state, for every ordinary table outside pg_catalog, information_schema and the ledger. */
  readonly tables: Readonly<Record<string, TableState>>;
  readonly functions: readonly string[];
  readonly sequences: readonly string[];
}

export async function readDatabaseState(url: string, ledgerSchema = 'online_migrate'): Promise<DatabaseState> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined, prepare: false });
  try {
    const tables = await sql<{ oid: number; name: string }[]>`
      select c.oid::int as oid, format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname <> ${ledgerSchema} and n.nspname not like 'pg_temp%' order by 2`;
    const state: Record<string, TableState> = {};
    for (const table of tables) state[table.name] = await readTableState(sql, table.oid, table.name);
    const functions = await sql<{ f: string }[]>`
      select format('%s(%s) %s', p.oid::regprocedure, p.provolatile, md5(pg_get_functiondef(p.oid))) as f
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname <> ${ledgerSchema} and p.prokind = 'f' order by 1`;
    const sequences = await sql<{ s: string }[]>`
      select format('%I.%I %s last=%s owned by %s', s.schemaname, s.sequencename, s.data_type, s.last_value,
             (select format('%s.%I', d.refobjid::regclass, a.attname) from pg_depend d
              join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
              where d.classid = 'pg_class'::regclass and d.objid = format('%I.%I', s.schemaname, s.sequencename)::regclass
                and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i'))) as s
      from pg_sequences s where s.schemaname not in ('pg_catalog', 'information_schema', 'pg_toast') and s.schemaname <> ${ledgerSchema} order by 1`;
    return { tables: state, functions: functions.map((r) => r.f), sequences: sequences.map((r) => r.s) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function readTableState(sql: postgres.Sql, oid: number, name: string): Promise<TableState> {
  const columns = await sql<{ c: string }[]>`
    select format('%I %s%s%s%s%s', a.attname, format_type(a.atttypid, a.atttypmod), case when a.attnotnull then ' not null' else '' end,
                  coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''), case when a.attidentity <> '' then ' identity ' || a.attidentity::text else '' end,
                  case when a.attgenerated <> '' then ' generated' else '' end) as c
    from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = ${oid} and a.attnum > 0 and not a.attisdropped order by a.attnum`;
  const constraints = await sql<{ c: string }[]>`
    select format('%I %s%s', conname, pg_get_constraintdef(oid), case when convalidated then '' else ' (not validated)' end) as c
    from pg_constraint where conrelid = ${oid} and contype <> 'n' order by conname`;
  const indexes = await sql<{ i: string }[]>`
    select format('%s%s%s', pg_get_indexdef(i.indexrelid), case when i.indisvalid then '' else ' INVALID' end, case when i.indisready then '' else ' NOT READY' end) as i
    from pg_index i where i.indrelid = ${oid} order by 1`;
  const triggers = await sql<
    { t: string }[]
  >`select pg_get_triggerdef(oid) as t from pg_trigger where tgrelid = ${oid} and not tgisinternal order by tgname`;
  const [rows] = await sql.unsafe<{ n: number; hash: string }[]>(
    `select count(*)::int as n, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as hash from ${name} t`,
  );
  return {
    columns: columns.map((r) => r.c),
    constraints: constraints.map((r) => r.c),
    indexes: indexes.map((r) => r.i),
    triggers: triggers.map((r) => r.t),
    rows: rows?.n ?? 0,
    rowsHash: rows?.hash ?? '',
  };
}
