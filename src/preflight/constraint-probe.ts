// Catalog reads and probes for constraint pre-flight: a table's index keys as a foreign key sees them,
// and PostgreSQL's own verdict on a constraint, asked of empty temporary copies of the tables inside a
// transaction that is always rolled back (no lock beyond ACCESS SHARE, no scan).
import type { TableInfo } from '../catalog/describe-table.js';
import { errorMessage, type Sql } from '../db/connect.js';
import { inRolledBackTransaction } from '../db/rolled-back-transaction.js';

/** An index as a foreign key sees it: its key columns in order (`null` where a key is an expression). */
export interface IndexKey {
  readonly name: string;
  readonly columns: readonly (string | null)[];
  readonly unique: boolean;
  readonly primary: boolean;
  /** Valid, not partial and not deferrable: usable to back a foreign key or to serve its lookups. */
  readonly usable: boolean;
}

export async function readIndexKeys(sql: Sql, table: TableInfo): Promise<IndexKey[]> {
  return sql<IndexKey[]>`
    select ic.relname as name, i.indisunique as unique, i.indisprimary as primary,
           i.indisvalid and i.indpred is null and i.indimmediate as usable,
           array(select a.attname::text from unnest(i.indkey::int2[]) with ordinality k(attnum, ord)
                 left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                 where k.ord <= i.indnkeyatts order by k.ord) as columns
    from pg_index i join pg_class ic on ic.oid = i.indexrelid
    where i.indrelid = ${table.oid} order by i.indisprimary desc, ic.relname`;
}

/**
 * Runs `statements` (DDL on temporary tables created `like` the real ones) in a transaction that is
 * always rolled back, and returns PostgreSQL's reason if it refuses one; undefined when all pass.
 */
export async function refusalOnEmptyCopies(sql: Sql, statements: readonly string[]): Promise<string | undefined> {
  try {
    await inRolledBackTransaction(sql, async (tx) => {
      for (const statement of statements) await tx.unsafe(statement);
    });
    return undefined;
  } catch (error) {
    const detail = typeof error === 'object' && error !== null && 'detail' in error ? (error as { detail: unknown }).detail : undefined;
    return typeof detail === 'string' && detail !== '' ? `${errorMessage(error)} (${detail})` : errorMessage(error);
  }
}
