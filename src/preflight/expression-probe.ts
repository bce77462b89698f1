// Pre-flight probes that ask PostgreSQL itself: does a type resolve, does an expression compile
// against a table. The text is first held to PostgreSQL's own grammar (src/sql-grammar: exactly one
// type name, expression or query), then only parsed and described by the server, inside a read-only
// transaction that is rolled back: never executed.
import type { Node } from 'libpg-query';
import { InvalidExpressionError, InvalidOptionError, UnknownTypeError } from '../errors/index.js';
import { parseOneExpression } from '../sql-grammar/one-expression.js';
import { requireOneReadOnlyQuery } from '../sql-grammar/one-query.js';
import { requireOneTypeName } from '../sql-grammar/one-type-name.js';
import { errorMessage, type Sql } from '../db/connect.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { inRolledBackTransaction } from '../db/rolled-back-transaction.js';
import { requireStandardConformingStrings } from './standard-strings.js';

export interface DescribedStatement {
  /** The type OID of each result column. */
  readonly columnTypes: readonly number[];
  /** The type OID of each `$n` parameter. */
  readonly parameterTypes: readonly number[];
}

/** Parses and describes `query` (never runs it) in a read-only transaction that is rolled back. */
export async function describeReadOnly(sql: Sql, query: string): Promise<DescribedStatement> {
  const described = await inRolledBackTransaction(sql, async (tx) => {
    await tx.unsafe('set transaction read only');
    return tx.unsafe(query, [], { prepare: false }).describe();
  });
  return { columnTypes: described.columns.map((c) => c.type), parameterTypes: described.types };
}

/** Resolves a type name as written in a spec (exactly one type name, by the grammar); returns PostgreSQL's canonical spelling. */
export async function resolveType(sql: Sql, typeName: string, field = 'type'): Promise<string> {
  await requireOneTypeName(field, typeName);
  try {
    const [row] = await sql<{ t: string | null }[]>`select to_regtype(${typeName})::text as t`;
    if (row?.t == null) throw new UnknownTypeError(typeName);
    return row.t;
  } catch (error) {
    if (error instanceof UnknownTypeError) throw error;
    throw new UnknownTypeError(typeName, { cause: error });
  }
}

/**
 * Checks that `expression` is exactly one expression by the grammar, on a server that reads strings as
 * the grammar does; returns its parse tree. For expressions PostgreSQL then judges where they go (an
 * index built on an empty copy of the table, a CHECK in a rolled-back CREATE TABLE).
 */
export async function checkExpressionShape(sql: Sql, field: string, expression: string): Promise<Node> {
  const tree = await parseOneExpression(field, expression);
  await requireStandardConformingStrings(sql);
  return tree;
}

/**
 * Checks that `expression` is exactly one expression (by the grammar) that compiles over the table's
 * rows and is assignable to `type` (a type already checked, or one the catalog printed); returns its
 * parse tree. Only Parse/Describe run: the query is never executed.
 */
export async function checkRowExpression(
  sql: Sql,
  field: string,
  expression: string,
  table: QualifiedName | undefined,
  type: string,
): Promise<Node> {
  const tree = await checkExpressionShape(sql, field, expression);
  const from = table === undefined ? '' : ` from ${quoteQualified(table)}`;
  const probe = `select (${expression})::${type} as ${quoteIdent('value')}${from}`;
  let described: DescribedStatement;
  try {
    described = await describeReadOnly(sql, probe);
  } catch (error) {
    throw new InvalidExpressionError(field, expression, errorMessage(error), { cause: error });
  }
  if (described.parameterTypes.length > 0) throw new InvalidExpressionError(field, expression, 'it must not take parameters ($1 …)');
  return tree;
}

/** The type OID of boolean, what a throttle query or a predicate must return. */
export const booleanOid = 16;

/**
 * Checks a `--throttle-query`: exactly one read-only SELECT (by the grammar) returning one boolean
 * column. It is only parsed and described here; at run time it runs in a read-only transaction.
 */
export async function checkThrottleQuery(sql: Sql, query: string): Promise<void> {
  await requireOneReadOnlyQuery('--throttle-query', query);
  await requireStandardConformingStrings(sql);
  let described: DescribedStatement;
  try {
    described = await describeReadOnly(sql, query);
  } catch (error) {
    throw new InvalidOptionError(`--throttle-query does not compile: ${errorMessage(error)}`);
  }
  const [first, ...rest] = described.columnTypes;
  if (first === undefined || rest.length > 0 || first !== booleanOid) {
    throw new InvalidOptionError('--throttle-query must return exactly one boolean column (true = hold the backfill)');
  }
  if (described.parameterTypes.length > 0) throw new InvalidOptionError('--throttle-query must not take parameters ($1 …)');
}
