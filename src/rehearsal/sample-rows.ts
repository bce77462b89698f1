// Copies a sample of one table's rows from the target into the copy: TABLESAMPLE BERNOULLI on the
// target (every page read, each row kept with the sample's probability), streamed with COPY, never
// row by row. Generated columns are left to the copy to compute.
import { pipeline } from 'node:stream/promises';
import type { Sql, TransactionSql } from '../db/connect.js';
import { quoteIdent, quoteQualified } from '../sql-text/quote.js';
import type { CopiedTable } from './schema-copy-tables.js';

/** `0.01` → `1`: the percentage TABLESAMPLE takes, for a fraction in (0, 1]. */
export function samplePercent(fraction: number): string {
  if (!Number.isFinite(fraction) || fraction <= 0 || fraction > 1) throw new Error(`a sample is a fraction in (0, 1], not ${fraction}`);
  return String(fraction * 100);
}

/** The rows copied. `source` is the target's read-only snapshot; `copy` a session of the copy. */
export async function copySampleRows(source: TransactionSql, copy: Sql, table: CopiedTable, fraction: number): Promise<number> {
  if (table.storedColumns.length === 0) return 0;
  const columns = table.storedColumns.map(quoteIdent).join(', ');
  const sample = fraction >= 1 ? '' : ` tablesample bernoulli (${samplePercent(fraction)})`;
  const from = await source.unsafe(`copy (select ${columns} from only ${quoteQualified(table)}${sample}) to stdout`).readable();
  const into = await copy.unsafe(`copy ${quoteQualified(table)} (${columns}) from stdin`).writable();
  await pipeline(from, into);
  // postgres.js pauses the socket when the stream's buffer fills and resumes it only from the stream's
  // read(); when the COPY ends while paused, the rest of the reply stays unread and the snapshot's next
  // query waits forever (porsager/postgres#499, fix proposed in #1016). Resume it once more.
  from._read(0);
  const [row] = await copy.unsafe<{ rows: string }[]>(`select count(*) as rows from only ${quoteQualified(table)}`);
  return Number(row?.rows ?? 0);
}
