// The queries that show which rows fail a step: each row by its key (the table's key columns, or ctid on
// a keyless table), every value as text so any key type can be shown and stored.
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';

/** `"a"::text as "a", "b"::text as "b"` (columns of `alias` when given), or `ctid::text as ctid` for no columns. */
export function sampleKeys(columns: readonly string[], alias?: string): string {
  const of = alias === undefined ? '' : `${alias}.`;
  if (columns.length === 0) return `${of}ctid::text as ctid`;
  return columns.map((column) => `${of}${quoteIdent(column)}::text as ${quoteIdent(column)}`).join(', ');
}

export interface SampleRows {
  readonly table: QualifiedName;
  /** The table's alias in the query, when `where` or `also` need one. */
  readonly alias?: string;
  readonly key: readonly string[];
  /** More output columns after the key, already SQL. */
  readonly also?: string;
  /** The rows to show: SQL over the table. */
  readonly where: string;
}

/** `select <keys>[, <also>] from <table> [<alias>] where <where> limit 5`. */
export function sampleRowsQuery(rows: SampleRows): string {
  const also = rows.also === undefined ? '' : `, ${rows.also}`;
  const alias = rows.alias === undefined ? '' : ` ${rows.alias}`;
  return `select ${sampleKeys(rows.key, rows.alias)}${also} from ${quoteQualified(rows.table)}${alias} where ${rows.where} limit 5`;
}

/**
 * Up to five rows of `table` whose `columns` match no row of `references`: the rows a foreign key's
 * VALIDATE refuses. MATCH SIMPLE: a row with any NULL referencing column is not checked, so it is never one.
 */
export function orphanRowsQuery(
  table: QualifiedName,
  columns: readonly string[],
  references: QualifiedName,
  referencedColumns: readonly string[],
): string {
  const pairs = columns.map((col, i) => ({ col: quoteIdent(col), ref: quoteIdent(referencedColumns[i] ?? col) }));
  return (
    `select ${sampleKeys(columns, 'a')} from ${quoteQualified(table)} a ` +
    `left join ${quoteQualified(references)} r on ${pairs.map((p) => `r.${p.ref} = a.${p.col}`).join(' and ')} ` +
    `where r.${pairs[0]?.ref ?? ''} is null and ${pairs.map((p) => `a.${p.col} is not null`).join(' and ')} limit 5`
  );
}
