// pgroll's backfill, rebuilt in SQL: a `_pgroll_needs_backfill boolean default true` column, a
// BEFORE INSERT OR UPDATE row trigger that computes the new column and clears the flag, and batches
// of a fixed 1,000 rows by primary key with no delay, each touching its rows with a no-op
// `set id = id` (pgroll's pkg/backfill templates: the batch CTE locks FOR NO KEY UPDATE).
import { epochMs } from '../bench-clock.js';
import { benchSchema, benchTable } from '../bench-table.js';
import { priorityExpression } from '../../support/tickets-fixture.js';
import type { Approach } from './approach.js';

const batchSize = 1_000;
const flag = '_pgroll_needs_backfill';
const triggerName = 'bench_pgroll_priority';

/** pgroll's trigger declares one variable per column from NEW, so the expression reads the row's columns by name. */
function triggerFunction(columns: readonly string[]): string {
  const declarations = columns.map((c) => `  "${c}" ${benchSchema}.${benchTable}."${c}"%TYPE := NEW."${c}";`).join('\n');
  return `create function ${benchSchema}.${triggerName}() returns trigger language plpgsql as $fn$
declare
${declarations}
begin
  NEW.priority = ${priorityExpression};
  NEW.${flag} = false;
  return NEW;
end $fn$`;
}

const batchStatement = `with batch as (
    select id from ${benchTable} where ${flag} = true and id > $1::bigint order by id limit ${batchSize} for no key update
  ), updated as (
    update ${benchTable} set id = ${benchTable}.id from batch where ${benchTable}.id = batch.id returning ${benchTable}.id
  )
  select max(id)::text as last, count(*)::int as n from updated`;

export const pgrollStyle: Approach = {
  id: 'pgroll',
  label: 'pgroll-style: flag + trigger, 1,000/batch',
  table: 'uniform',
  triggerFills: true,
  async fill({ sql, rows }) {
    const columns = await sql.unsafe<{ name: string }[]>(
      `select column_name as name from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`,
      [benchSchema, benchTable],
    );
    await sql.unsafe(`alter table ${benchTable} add column priority text`);
    await sql.unsafe(`alter table ${benchTable} add column ${flag} boolean default true`);
    await sql.unsafe(triggerFunction(columns.map((c) => c.name)));
    await sql.unsafe(
      `create trigger ${triggerName} before insert or update on ${benchTable} for each row execute function ${benchSchema}.${triggerName}()`,
    );
    let last = '0';
    let rowsFilled = 0;
    const from = epochMs();
    for (;;) {
      const [batch] = await sql.unsafe<{ last: string | null; n: number }[]>(batchStatement, [last]);
      if (batch === undefined || batch.n === 0 || batch.last === null) break;
      rowsFilled += batch.n;
      last = batch.last;
    }
    const to = epochMs();
    if (rowsFilled > rows) throw new Error(`pgroll-style batches touched ${rowsFilled} rows, more than the ${rows} in the table`);
    return { window: { from, to }, rowsFilled, complete: true, settledBatchSize: null, trend: null, peakRssBytes: null };
  },
};
