// "Exactly one type name", as PostgreSQL's grammar reads it, for the `type` fields spliced into
// ADD COLUMN, CREATE TABLE and casts. `SELECT NULL::<type>` must be one SELECT of one cast of NULL and
// nothing else, and `SELECT CAST(NULL AS <type>)` the same tree: so `int, drop column x` (a second
// target), `text collate "C"` (not a bare type) and `int) , (1` (escapes the parenthesis) are refused.
import { refuseCommentsAndLexicalErrors, shapeError, type SplicedText } from './lexical-checks.js';
import { withoutPositions } from './parse-tree.js';
import { parseSql } from './postgres-parser.js';

async function castOfNull(text: string): Promise<unknown> {
  const parsed = await parseSql(text);
  if (!parsed.ok || parsed.statements.length !== 1) return undefined;
  const stmt = parsed.statements[0]?.stmt;
  if (stmt === undefined || !('SelectStmt' in stmt)) return undefined;
  const { targetList, ...rest } = stmt.SelectStmt;
  if (
    Object.entries(rest).some(
      ([key, value]) => !(key === 'op' && value === 'SETOP_NONE') && !(key === 'limitOption' && value === 'LIMIT_OPTION_DEFAULT'),
    )
  )
    return undefined;
  const target = targetList?.length === 1 ? targetList[0] : undefined;
  if (target === undefined || !('ResTarget' in target) || target.ResTarget.name !== undefined || target.ResTarget.indirection !== undefined)
    return undefined;
  const val = target.ResTarget.val;
  if (val === undefined || !('TypeCast' in val)) return undefined;
  const arg = val.TypeCast.arg;
  return arg !== undefined && 'A_Const' in arg && arg.A_Const.isnull === true ? withoutPositions(val.TypeCast.typeName) : undefined;
}

/** Checks that `text` is exactly one type name; throws SqlShapeError (exit 2) otherwise. */
export async function requireOneTypeName(field: string, text: string): Promise<void> {
  const spliced: SplicedText = { field, text, expected: 'exactly one type name', noun: 'type' };
  const hint = await refuseCommentsAndLexicalErrors(spliced);
  const cast = await castOfNull(`SELECT NULL::${text}`);
  if (cast === undefined) throw shapeError(spliced, `it does not parse as one type name${hint}`);
  const inParentheses = await castOfNull(`SELECT CAST(NULL AS ${text})`);
  if (JSON.stringify(inParentheses) !== JSON.stringify(cast))
    throw shapeError(spliced, 'it does not stay one type name inside parentheses');
}
