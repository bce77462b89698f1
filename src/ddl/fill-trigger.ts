// The trigger function that fills a column from the row being written (add-column, set-not-null):
// `column := expression over NEW`. Which writes it fires on is its triggers' business (row-trigger.ts).
import { quoteIdent, type QualifiedName } from '../sql-text/quote.js';
import { createPlpgsqlFunction } from './plpgsql-function.js';
import { overRow } from './row-expression.js';

export function createFillFunction(name: QualifiedName, column: string, expression: string, searchPath: readonly string[]): string {
  return createPlpgsqlFunction({
    name,
    returns: 'trigger',
    searchPath,
    body: ['begin', `  NEW.${quoteIdent(column)} := ${overRow(expression, 'NEW')};`, '  return NEW;', 'end'],
  });
}
