// Pre-flight probes for the queries of a data migration (backfill): its `verify` SELECT and its `where`
// predicate. Like the probes in expression-probe.ts they hold the text to PostgreSQL's own grammar
// first, then ask the server, which only parses and describes it inside a read-only transaction that
// is rolled back: nothing is executed.
import { InvalidExpressionError, PreflightError } from '../errors/index.js';
import { requireOneReadOnlyQuery } from '../sql-grammar/one-query.js';
import { errorMessage, type Sql } from '../db/connect.js';
import { booleanOid, checkRowExpression, describeReadOnly, type DescribedStatement } from './expression-probe.js';
import { quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { requireStandardConformingStrings } from './standard-strings.js';

/** Where the verify query reads from when it is embedded: `exists (…)`, `select * from (…) as …`. */
export const verifyAlias = 'online_verify';

function invalidVerify(query: string, reason: string, cause?: unknown): PreflightError {
  return new PreflightError('INVALID_VERIFY_QUERY', `verify must be one read-only SELECT: ${reason}\n  query: ${query}`, { cause });
}

/**
 * Checks a `verify` query: exactly one read-only SELECT (or WITH … SELECT, VALUES, TABLE) by the
 * grammar, that stays one query inside the parentheses it is embedded in (see one-query.ts), takes no
 * parameters and compiles, described as the subquery in FROM it becomes.
 */
export async function checkVerifyQuery(sql: Sql, query: string): Promise<void> {
  await requireOneReadOnlyQuery('verify', query);
  await requireStandardConformingStrings(sql);
  let described: DescribedStatement;
  try {
    described = await describeReadOnly(sql, `select * from (${query}) as ${verifyAlias}`);
  } catch (error) {
    throw invalidVerify(query, errorMessage(error), error);
  }
  if (described.parameterTypes.length > 0) throw invalidVerify(query, 'it must not take parameters ($1 …)');
}

/** Checks that `predicate` compiles over the table's rows and is boolean itself (no cast to boolean). */
export async function checkRowPredicate(sql: Sql, field: string, predicate: string, table: QualifiedName): Promise<void> {
  await checkRowExpression(sql, field, predicate, table, 'boolean');
  const described = await describeReadOnly(sql, `select (${predicate}) as value from ${quoteQualified(table)}`);
  const type = described.columnTypes[0];
  if (type === booleanOid) return;
  const [row] = await sql<{ name: string | null }[]>`select format_type(${type ?? 0}::oid, null) as name`;
  throw new InvalidExpressionError(field, predicate, `it is of type ${row?.name ?? 'unknown'}, not boolean`);
}
