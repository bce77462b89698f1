// "Exactly one read-only query", as PostgreSQL's grammar reads it: for the verify query of a data
// migration (embedded as `exists (<query>)` and `select * from (<query>) as …`) and the throttle query.
// One statement, a SELECT (VALUES, TABLE and WITH … SELECT are SELECTs too) that neither writes (no
// INSERT/UPDATE/DELETE/MERGE in a WITH, no SELECT INTO) nor locks rows (no FOR UPDATE/SHARE); and
// `SELECT EXISTS (<query>)` must parse to that same query inside its parentheses, so the text cannot
// close the parenthesis it is embedded in.
import type { Node } from 'libpg-query';
import { refuseCommentsAndLexicalErrors, shapeError, type SplicedText } from './lexical-checks.js';
import { walkNodes, withoutPositions } from './parse-tree.js';
import { parseSql } from './postgres-parser.js';

const writes: ReadonlySet<string> = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

async function onlyStatement(text: string): Promise<{ readonly stmt: Node } | { readonly reason: string }> {
  const parsed = await parseSql(text);
  if (!parsed.ok) return { reason: `it does not parse: ${parsed.message}` };
  if (parsed.statements.length !== 1) return { reason: `found ${parsed.statements.length} statements (a ";"?)` };
  const stmt = parsed.statements[0]?.stmt;
  return stmt === undefined ? { reason: 'found no statement' } : { stmt };
}

/** Why the parsed statement is not a read-only SELECT, or undefined. */
function whyNotReadOnlySelect(stmt: Node): string | undefined {
  if (!('SelectStmt' in stmt)) return 'it is not a SELECT';
  if (stmt.SelectStmt.intoClause !== undefined) return 'SELECT INTO creates a table';
  let reason: string | undefined;
  walkNodes(stmt, (tag, body) => {
    if (writes.has(tag)) reason ??= 'it writes rows (a data-modifying WITH)';
    if (tag === 'SelectStmt' && body.lockingClause !== undefined) reason ??= 'FOR UPDATE/SHARE locks rows';
  });
  return reason;
}

/** Checks that `text` is exactly one read-only SELECT; throws SqlShapeError (exit 2) otherwise. */
export async function requireOneReadOnlyQuery(field: string, text: string): Promise<void> {
  const spliced: SplicedText = { field, text, expected: 'exactly one read-only SELECT', noun: 'query' };
  const hint = await refuseCommentsAndLexicalErrors(spliced);
  const alone = await onlyStatement(text);
  if ('reason' in alone) throw shapeError(spliced, `${alone.reason}${alone.reason.startsWith('it does not parse') ? hint : ''}`);
  const why = whyNotReadOnlySelect(alone.stmt);
  if (why !== undefined) throw shapeError(spliced, why);
  const embedded = await onlyStatement(`SELECT EXISTS (${text})`);
  const sublink = 'stmt' in embedded && 'SelectStmt' in embedded.stmt ? embedded.stmt.SelectStmt.targetList : undefined;
  const only = sublink?.length === 1 ? sublink[0] : undefined;
  const inner =
    only !== undefined && 'ResTarget' in only && only.ResTarget.val !== undefined && 'SubLink' in only.ResTarget.val
      ? only.ResTarget.val.SubLink.subselect
      : undefined;
  if (inner === undefined || JSON.stringify(withoutPositions(inner)) !== JSON.stringify(withoutPositions(alone.stmt))) {
    throw shapeError(spliced, 'it does not stay one query inside the parentheses it is embedded in');
  }
}
