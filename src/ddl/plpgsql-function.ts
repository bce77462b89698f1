// CREATE OR REPLACE FUNCTION for the PL/pgSQL functions online creates: the search path pre-flight
// resolved with is pinned (they run in the application's sessions), and a name that is both a column
// and a variable means the column.
import { pinnedSearchPath } from '../db/search-path.js';
import { dollarQuote } from '../sql-text/dollar-quote.js';
import { quoteQualified, type QualifiedName } from '../sql-text/quote.js';

export interface PlpgsqlFunction {
  readonly name: QualifiedName;
  /** The parameter list between the parentheses, already SQL (`r "public"."t"`); empty for a trigger function. */
  readonly parameters?: string;
  readonly returns: string;
  /** `stable` for a function that only reads; the default is PostgreSQL's (volatile). */
  readonly stable?: boolean;
  readonly searchPath: readonly string[];
  readonly body: readonly string[];
}

export function createPlpgsqlFunction(fn: PlpgsqlFunction): string {
  const volatility = fn.stable === true ? ' stable' : '';
  const body = dollarQuote(`\n#variable_conflict use_column\n${fn.body.join('\n')}\n`);
  return `create or replace function ${quoteQualified(fn.name)}(${fn.parameters ?? ''}) returns ${fn.returns} language plpgsql${volatility} ${pinnedSearchPath(fn.searchPath)} as ${body}`;
}
