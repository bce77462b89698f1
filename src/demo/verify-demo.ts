// Checks the outcome of the demo migration against the database itself, not against the ledger.
import type postgres from 'postgres';
import { priorityColumn, priorityExpression } from './priority-migration.js';

export interface DemoChecks {
  readonly rowsAfter: number;
  /** Rows whose priority differs from what the backfill expression gives for them now. */
  readonly inconsistentRows: number;
  readonly columnNotNull: boolean;
  /** Triggers the migration installed and should have removed (`online_…`). */
  readonly leftoverTriggers: number;
}

export async function verifyDemo(sql: postgres.Sql, table: string): Promise<DemoChecks> {
  const [counts] = await sql<{ rows: number; inconsistent: number }[]>`
    select count(*)::int as rows,
           (count(*) filter (where ${sql(priorityColumn)} is distinct from (${sql.unsafe(priorityExpression)})))::int as inconsistent
    from ${sql(table)}`;
  const [column] = await sql<{ notNull: boolean }[]>`
    select attnotnull as "notNull" from pg_attribute
    where attrelid = to_regclass(${table}::text) and attname = ${priorityColumn} and not attisdropped`;
  const [triggers] = await sql<{ n: number }[]>`
    select count(*)::int as n from pg_trigger
    where tgrelid = to_regclass(${table}::text) and not tgisinternal and tgname like 'online\\_%'`;
  return {
    rowsAfter: counts?.rows ?? 0,
    inconsistentRows: counts?.inconsistent ?? 0,
    columnNotNull: column?.notNull ?? false,
    leftoverTriggers: triggers?.n ?? 0,
  };
}
