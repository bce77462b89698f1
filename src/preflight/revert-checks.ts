// What `online revert` checks beyond the inverse spec's own pre-flight: a constraint it drops by raw
// SQL still exists (else the schema drifted and the drop would fail mid-run), and a table it drops
// holds no rows (a revert never drops data). Read-only.
import type { Sql } from '../db/connect.js';
import { PreflightError } from '../errors/index.js';
import { displayName, quoteQualified, type QualifiedName } from '../sql-text/quote.js';

export async function requireConstraint(sql: Sql, table: QualifiedName, name: string): Promise<void> {
  const [row] = await sql<{ found: boolean }[]>`
    select exists (select from pg_constraint where conrelid = to_regclass(${quoteQualified(table)}) and conname = ${name}) as found`;
  if (row?.found !== true) {
    throw new PreflightError(
      'CONSTRAINT_NOT_FOUND',
      `constraint ${name} does not exist on ${displayName(table)}; the schema has changed since`,
    );
  }
}

/** A table that no longer exists passes: the inverse's own pre-flight says so in its words. */
export async function requireEmptyTable(sql: Sql, table: QualifiedName): Promise<void> {
  const [exists] = await sql<{ found: boolean }[]>`select to_regclass(${quoteQualified(table)}) is not null as found`;
  if (exists?.found !== true) return;
  const [row] = await sql.unsafe<{ found: boolean }[]>(`select exists (select from ${quoteQualified(table)}) as found`);
  if (row?.found === true) {
    throw new PreflightError(
      'TABLE_NOT_EMPTY',
      `${displayName(table)} has rows; reverting its create-table would drop them. Move or delete the rows first if they are not needed`,
    );
  }
}
