// "Exactly one expression", as PostgreSQL's grammar reads it. The text is parsed twice, as
// `SELECT <text>` and as `SELECT (<text>)`, and each must be one SELECT of one unnamed target with no
// other clause, the two trees the same apart from positions. The first refuses a second target (a
// top-level comma), a second statement, FROM/WHERE/… after the expression, UNION and aliases; the
// second refuses text that only parses when it can close the parenthesis it is spliced into
// (`1) , (2`) and prefixes that SELECT alone would absorb (`ALL 1`). What passes stays one
// expression inside the parentheses every splice site puts around it.
//
// A parenthesized query (`(select max(x) from t)`) is one expression, a scalar subquery; a bare
// `(select 1) union (select 2)` is a query, refused here: wrap it in parentheses to use it as one.
// Whether a subquery is allowed where the expression goes (not in a DEFAULT or a CHECK) is then
// PostgreSQL's verdict in pre-flight.
import type { Node, SelectStmt } from 'libpg-query';
import { refuseCommentsAndLexicalErrors, shapeError, type SplicedText } from './lexical-checks.js';
import { withoutPositions } from './parse-tree.js';
import { parseSql } from './postgres-parser.js';

const clauses: Readonly<Record<string, string>> = {
  distinctClause: 'DISTINCT',
  intoClause: 'INTO',
  fromClause: 'FROM',
  whereClause: 'WHERE',
  groupClause: 'GROUP BY',
  groupDistinct: 'GROUP BY DISTINCT',
  havingClause: 'HAVING',
  windowClause: 'WINDOW',
  valuesLists: 'VALUES',
  sortClause: 'ORDER BY',
  limitOffset: 'OFFSET',
  limitCount: 'LIMIT',
  lockingClause: 'FOR UPDATE/SHARE',
  withClause: 'WITH',
};

/** Why `select` is not one bare target, or undefined when it is. */
function whyNotOneTarget(select: SelectStmt): string | undefined {
  if (select.op !== undefined && select.op !== 'SETOP_NONE') {
    return 'found a UNION/INTERSECT/EXCEPT of queries; to use it as a scalar subquery, wrap it in parentheses';
  }
  for (const [key, value] of Object.entries(select)) {
    if (key === 'targetList' || key === 'op' || value === undefined || value === false) continue;
    if (key === 'limitOption' && value === 'LIMIT_OPTION_DEFAULT') continue;
    return `found a ${clauses[key] ?? key} clause after it`;
  }
  const targets = select.targetList ?? [];
  if (targets.length === 0) return 'found none (it is empty)';
  if (targets.length > 1) return `found ${targets.length} (a top-level comma?)`;
  const target = targets[0];
  if (target === undefined || !('ResTarget' in target)) return 'found something that is not an expression';
  const { name, indirection, val } = target.ResTarget;
  if (name !== undefined) return `found an alias (AS ${name}), which is not part of an expression`;
  if (indirection !== undefined || val === undefined) return 'found something that is not an expression';
  if ('ColumnRef' in val && (val.ColumnRef.fields ?? []).some((f) => 'A_Star' in f)) return 'found "*", which is not an expression';
  return undefined;
}

/** The one target of `SELECT <wrapped>`, or why there is not exactly one. */
async function oneTarget(wrapped: string): Promise<{ readonly expression: Node } | { readonly reason: string; readonly parses?: false }> {
  const parsed = await parseSql(`SELECT ${wrapped}`);
  if (!parsed.ok) return { reason: `it does not parse: ${parsed.message}`, parses: false };
  if (parsed.statements.length !== 1) return { reason: `found ${parsed.statements.length} statements (a ";"?)` };
  const stmt = parsed.statements[0]?.stmt;
  if (stmt === undefined || !('SelectStmt' in stmt)) return { reason: 'found a statement, not an expression' };
  const why = whyNotOneTarget(stmt.SelectStmt);
  if (why !== undefined) return { reason: why };
  const target = stmt.SelectStmt.targetList?.[0];
  if (target === undefined || !('ResTarget' in target) || target.ResTarget.val === undefined) return { reason: 'found no expression' };
  return { expression: target.ResTarget.val };
}

/**
 * Parses `text` as exactly one expression and returns its parse tree; throws SqlShapeError (exit 2)
 * naming the field, the text and the reason otherwise.
 */
export async function parseOneExpression(field: string, text: string): Promise<Node> {
  const spliced: SplicedText = { field, text, expected: 'exactly one expression', noun: 'expression' };
  const hint = await refuseCommentsAndLexicalErrors(spliced);
  const bare = await oneTarget(text);
  if ('reason' in bare) throw shapeError(spliced, `${bare.reason}${bare.parses === false ? hint : ''}`);
  const inParentheses = await oneTarget(`(${text})`);
  if ('reason' in inParentheses)
    throw shapeError(spliced, `inside parentheses, ${inParentheses.reason}${inParentheses.parses === false ? hint : ''}`);
  if (JSON.stringify(withoutPositions(bare.expression)) !== JSON.stringify(withoutPositions(inParentheses.expression))) {
    throw shapeError(spliced, 'it means something else inside the parentheses it is spliced into');
  }
  return bare.expression;
}
