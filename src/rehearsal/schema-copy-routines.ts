// Functions, procedures and triggers of the copy, as pg_get_functiondef and pg_get_triggerdef write them.
// The copy runs with check_function_bodies off, so a body may name tables created after it.
import type { TransactionSql } from '../db/connect.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import type { CopyStatement, StatementRunner } from './schema-copy-statements.js';

export async function functionStatements(
  tx: TransactionSql,
  schemas: readonly string[],
  runner: StatementRunner,
): Promise<CopyStatement[]> {
  const rows = await tx<(QualifiedName & { args: string; kind: string; def: string | null })[]>`
    select n.nspname as schema, p.proname as name, pg_get_function_identity_arguments(p.oid) as args, p.prokind::text as kind,
           case when p.prokind in ('f', 'p', 'w') then pg_get_functiondef(p.oid) end as def
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = any(${schemas as string[]})
       and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
     order by p.oid`;
  const statements: CopyStatement[] = [];
  for (const row of rows) {
    const name = `${displayName(row)}(${row.args})`;
    if (row.def === null) runner.skip('function', name, 'aggregates are not copied');
    else statements.push({ kind: 'function', name, sql: row.def });
  }
  return statements;
}

interface TriggerRow extends QualifiedName {
  readonly trigger: string;
  readonly def: string;
  readonly enabled: string;
}

/** User triggers (not the ones a partition inherits), with their enabled state when it is not the default. */
export async function triggerStatements(tx: TransactionSql, schemas: readonly string[]): Promise<CopyStatement[]> {
  const rows = await tx<TriggerRow[]>`
    select n.nspname as schema, c.relname as name, t.tgname as trigger, pg_get_triggerdef(t.oid) as def, t.tgenabled::text as enabled
      from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any(${schemas as string[]}) and not t.tgisinternal and t.tgparentid = 0
       and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
     order by t.oid`;
  const state: Readonly<Record<string, string>> = { D: 'disable trigger', R: 'enable replica trigger', A: 'enable always trigger' };
  return rows.flatMap((row) => {
    const name = `${row.trigger} on ${displayName(row)}`;
    const create: CopyStatement = { kind: 'trigger', name, sql: row.def };
    const change = state[row.enabled];
    return change === undefined
      ? [create]
      : [create, { kind: 'trigger', name, sql: `alter table ${quoteQualified(row)} ${change} ${quoteIdent(row.trigger)}`, counts: false }];
  });
}
