// Pre-flight probes that ask PostgreSQL itself: does a type resolve, does an expression compile
// against a table, would a default rewrite the table. Nothing is executed or changed: statements are
// only parsed and described, inside a read-only transaction that is rolled back.
import { InvalidExpressionError, InvalidOptionError, UnknownTypeError } from '../errors/index.js';
import { errorMessage, type Sql } from './connect.js';
import { assertSelfContained, UnsafeExpressionError } from './expression-guard.js';
import { quoteIdent, quoteQualified, type QualifiedName } from './quote.js';
import { inRolledBackTransaction } from './rolled-back-transaction.js';

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

/** Resolves a type name as written in a spec; returns PostgreSQL's canonical spelling. */
export async function resolveType(sql: Sql, typeName: string): Promise<string> {
  if (!/^[\w\s."(),[\]]+$/.test(typeName)) throw new UnknownTypeError(typeName);
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
 * Checks that `expression` is one self-contained expression that compiles over the table's rows
 * and is assignable to `type`. Only Parse/Describe run: the query is never executed.
 */
export async function checkRowExpression(
  sql: Sql,
  field: string,
  expression: string,
  table: QualifiedName | undefined,
  type: string,
): Promise<void> {
  try {
    assertSelfContained(expression);
  } catch (error) {
    if (error instanceof UnsafeExpressionError) throw new InvalidExpressionError(field, expression, error.message);
    throw error;
  }
  const from = table === undefined ? '' : ` from ${quoteQualified(table)}`;
  const probe = `select (${expression})::${type} as ${quoteIdent('value')}${from}`;
  try {
    const described = await describeReadOnly(sql, probe);
    if (described.columnTypes.length !== 1) {
      throw new InvalidExpressionError(field, expression, 'it must be exactly one expression');
    }
  } catch (error) {
    if (error instanceof InvalidExpressionError) throw error;
    throw new InvalidExpressionError(field, expression, errorMessage(error), { cause: error });
  }
}

/**
 * True when adding a column with this default would rewrite the table (a volatile default such as
 * `clock_timestamp()` or `gen_random_uuid()`). Asked of PostgreSQL itself: on a temporary table, a
 * default it can store as a "missing value" sets `atthasmissing`; a volatile one does not.
 */
export async function defaultRewritesTable(sql: Sql, defaultExpression: string, type: string): Promise<boolean> {
  return inRolledBackTransaction(sql, async (tx) => {
    await tx.unsafe('create temporary table online_default_probe (id int) on commit drop');
    await tx.unsafe('insert into online_default_probe values (1)');
    await tx.unsafe(`alter table online_default_probe add column probed ${type} default (${defaultExpression})`);
    const [row] = await tx<{ missing: boolean }[]>`
      select atthasmissing as missing from pg_attribute
      where attrelid = 'online_default_probe'::regclass and attname = 'probed'`;
    return row?.missing !== true;
  });
}

/** The type OID of boolean, what a throttle query or a predicate must return. */
export const booleanOid = 16;

/**
 * Checks a `--throttle-query`: one statement returning one boolean column. It is only parsed and
 * described here; at run time it runs in a read-only transaction.
 */
export async function checkThrottleQuery(sql: Sql, query: string): Promise<void> {
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
}
