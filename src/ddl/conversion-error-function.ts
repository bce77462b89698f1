// For a type change: a function over a row of the table giving PostgreSQL's reason why using(row)
// cannot be stored in the new type, or NULL when it can. A failed backfill batch shows it per sample key.
import { quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { createPlpgsqlFunction } from './plpgsql-function.js';
import { overRow } from './row-expression.js';
import { sampleRowsQuery } from './sample-keys.js';

export interface ConversionErrorFunction {
  readonly name: QualifiedName;
  /** The table whose row type the function takes. */
  readonly table: QualifiedName;
  /** The new type. */
  readonly type: string;
  readonly using: string;
  readonly searchPath: readonly string[];
}

export function createConversionErrorFunction(fn: ConversionErrorFunction): string {
  return createPlpgsqlFunction({
    name: fn.name,
    parameters: `r ${quoteQualified(fn.table)}`,
    returns: 'text',
    stable: true,
    searchPath: fn.searchPath,
    body: [
      `declare converted ${fn.type};`,
      'begin',
      // An assignment, as in the backfill's SET and the trigger: the same coercion, the same errors.
      `  converted := ${overRow(fn.using, 'r')};`,
      '  return null;',
      'exception when others then',
      '  return sqlerrm;',
      'end',
    ],
  });
}

/** Up to five rows whose value cannot be converted: their keys (ctid on a keyless table) and the reason. */
export function unconvertibleRowsQuery(fn: QualifiedName, table: QualifiedName, key: readonly string[]): string {
  const reason = `${quoteQualified(fn)}(r)`;
  return sampleRowsQuery({ table, alias: 'r', key, also: `${reason} as reason`, where: `${reason} is not null` });
}
