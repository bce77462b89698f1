// Removing the triggers online installed and the functions behind them, in that order (a function
// cannot be dropped while a trigger uses it). Every statement is `if exists`, so the sequence can run
// again after a step that committed but whose record did not.
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';

/** A function to drop, with the types of its parameters (a function is known by its signature). */
export interface FunctionSignature {
  readonly name: QualifiedName;
  readonly parameterTypes?: readonly QualifiedName[];
}

export const dropTrigger = (name: string, table: QualifiedName): string =>
  `drop trigger if exists ${quoteIdent(name)} on ${quoteQualified(table)}`;

export const dropFunction = (fn: FunctionSignature): string =>
  `drop function if exists ${quoteQualified(fn.name)}(${(fn.parameterTypes ?? []).map(quoteQualified).join(', ')})`;

/** Each trigger on `table`, then each function. */
export function dropTriggers(table: QualifiedName, triggers: readonly string[], functions: readonly FunctionSignature[]): string[] {
  return [...triggers.map((name) => dropTrigger(name, table)), ...functions.map(dropFunction)];
}
