// Why a backfill must not be calibrated on the live table: a rolled-back transaction undoes its rows,
// but not everything a statement can do. A volatile function in the SET list or the predicate
// (nextval() above all) draws values no rollback gives back, and a user trigger on the table fires on
// every sample row, with whatever it does outside the transaction (online's own fill triggers are
// transactional and are not counted). Either way the forecast falls back
// to assumed rates and says why, rather than leave a trace the user did not ask for.
import type { Node } from 'libpg-query';
import type { Sql } from '../db/connect.js';
import type { BackfillTask } from '../plan/plan.js';
import { calledNames } from '../sql-grammar/called-names.js';
import { parseSql } from '../sql-grammar/postgres-parser.js';
import { quoteQualified } from '../sql-text/quote.js';

/** The reason the task's calibration could leave an effect behind, or undefined when it cannot. */
export async function calibrationEffects(sql: Sql, task: BackfillTask): Promise<string | undefined> {
  const parsed = await parseSql(`update ${quoteQualified(task.table)} set ${task.set} where ${task.needsWork}`);
  const statement = parsed.ok ? parsed.statements[0]?.stmt : undefined;
  if (statement === undefined) return 'its UPDATE could not be read';
  const functions = calledNames(statement as Node).functions.map((name) => name[name.length - 1] ?? '');
  const [row] = await sql<{ volatile: string | null; triggers: string | null }[]>`
    select (select string_agg(distinct p.proname, ', ') from pg_proc p where p.proname = any(${functions}::text[]) and p.provolatile = 'v') as volatile,
           (select string_agg(t.tgname, ', ' order by t.tgname) from pg_trigger t
             where t.tgrelid = to_regclass(${quoteQualified(task.table)}) and not t.tgisinternal and t.tgenabled <> 'D'
               and (t.tgtype & 16) <> 0 and t.tgname not like 'online\_%') as triggers`;
  if (row?.volatile !== null && row?.volatile !== undefined) {
    return `its expression calls volatile ${row.volatile} (a sample would draw values no rollback gives back, e.g. nextval)`;
  }
  if (row?.triggers !== null && row?.triggers !== undefined) {
    return `the table has UPDATE triggers (${row.triggers}) that samples would fire, with whatever they do outside the transaction`;
  }
  return undefined;
}
