// The SQL of a keyset-paginated backfill over one table, built once per task. Keys are compared as
// a row, `(a, b) > ($1, $2)`, so composite keys page through their index; key values travel as text
// parameters cast back to the column types. The cast goes through `::text` so the parameter itself is
// text: typed as, say, timestamptz, postgres.js would re-serialize the string through a JS Date and
// drop its microseconds (and mangle booleans, jsonb and bytea).
import type { KeyColumn } from '../../src/catalog/describe-table.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../../src/sql-text/quote.js';

export interface KeysetSource {
  readonly table: QualifiedName;
  readonly key: readonly KeyColumn[];
  readonly set: string;
  readonly needsWork: string;
}

export interface KeysetQueries {
  /** The last key now: the backfill's upper bound. No parameters. */
  readonly upperBound: string;
  /** The key `offset` rows after the start. Params: upper…, offset. */
  readonly firstBoundary: string;
  /** The key `offset` rows after the cursor. Params: cursor…, upper…, offset. */
  readonly nextBoundary: string;
  /** Params: to… */
  readonly firstUpdate: string;
  /** Params: cursor…, to… */
  readonly nextUpdate: string;
  /** Up to 5 keys of rows that still need work. No parameters. */
  readonly sampleRemaining: string;
}

export function keysetQueries(source: KeysetSource): KeysetQueries {
  const t = quoteQualified(source.table);
  const names = source.key.map((k) => quoteIdent(k.name));
  const list = names.join(', ');
  const tuple = names.length === 1 ? list : `(${list})`;
  const asText = names.map((n, i) => `${n}::text as k${i}`).join(', ');
  const params = (from: number): string => {
    const ps = source.key.map((k, i) => `$${from + i}::text::${k.type}`);
    return ps.length === 1 ? (ps[0] as string) : `(${ps.join(', ')})`;
  };
  const k = source.key.length;
  const descending = names.map((n) => `${n} desc`).join(', ');
  return {
    upperBound: `select ${asText} from ${t} order by ${descending} limit 1`,
    firstBoundary: `select ${asText} from ${t} where ${tuple} <= ${params(1)} order by ${list} offset $${k + 1}::bigint limit 1`,
    nextBoundary: `select ${asText} from ${t} where ${tuple} > ${params(1)} and ${tuple} <= ${params(k + 1)} order by ${list} offset $${2 * k + 1}::bigint limit 1`,
    firstUpdate: `update ${t} set ${source.set} where ${tuple} <= ${params(1)} and (${source.needsWork})`,
    nextUpdate: `update ${t} set ${source.set} where ${tuple} > ${params(1)} and ${tuple} <= ${params(k + 1)} and (${source.needsWork})`,
    // A keyless table (ctid page ranges) shows row positions instead.
    sampleRemaining: `select ${names.length === 0 ? 'ctid::text as k0' : asText} from ${t} where ${source.needsWork} limit 5`,
  };
}

/** Reads the `k0, k1, …` text columns of a key row back into an array. */
export function keyValues(row: Record<string, unknown>, width: number): string[] {
  return Array.from({ length: width }, (_, i) => String(row[`k${i}`]));
}
