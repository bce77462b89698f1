// Renames the references to one column inside SQL that PostgreSQL itself printed (pg_get_indexdef,
// pg_get_constraintdef), so an index or CHECK on a column can be re-created on its shadow copy.
// The definition is parsed by PostgreSQL's own grammar, and only what the tree says is that column is
// replaced, at the positions the parser and lexer report:
//   - ColumnRef nodes of one field equal to the column, by their `location`: never a function, type,
//     operator class or collation name, a field of a composite (`(r).x`) or text inside a string;
//   - in an index, key columns and INCLUDE columns that are plain names (IndexElem.name): the tree
//     gives them no location, so they are found as the first token of each element of the
//     parenthesized lists, matched to the tree's elements in order.
// Whatever this produces is then built on an empty copy of the table in pre-flight, so a rewrite
// PostgreSQL does not accept is refused before anything changes.
import type { IndexStmt, Node } from 'libpg-query';
import { quoteIdent } from '../sql-text/quote.js';
import { walkNodes } from './parse-tree.js';
import { parseSql, scanSql, type ScannedToken } from './postgres-parser.js';

export class UnparsableDefinitionError extends Error {}

/** The identifier a token spells: a quoted one with `""` undone, an unquoted one folded to lower case (ASCII, as PostgreSQL does). */
function identifierOf(token: ScannedToken): string {
  if (token.text.startsWith('"')) return token.text.slice(1, -1).replaceAll('""', '"');
  return token.text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The tokens of each top-level element of the parenthesized list that opens at `tokens[open]`; and the index after its `)`. */
function listElements(tokens: readonly ScannedToken[], open: number): { readonly elements: ScannedToken[][]; readonly end: number } {
  const elements: ScannedToken[][] = [[]];
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const token = tokens[i] as ScannedToken;
    if (token.text === '(' || token.text === '[') depth++;
    if (token.text === ')' || token.text === ']') depth--;
    if (depth === 0) return { elements, end: i + 1 };
    if (i === open) continue;
    if (depth === 1 && token.text === ',') elements.push([]);
    else elements[elements.length - 1]?.push(token);
  }
  throw new UnparsableDefinitionError('unbalanced parentheses');
}

async function rename(
  prefix: string,
  text: string,
  from: string,
  to: string,
  plainNames?: (stmt: Node, tokens: readonly ScannedToken[]) => number[],
): Promise<string> {
  const sql = `${prefix}${text}`;
  const parsed = await parseSql(sql);
  const tokens = await scanSql(sql);
  if (!parsed.ok) throw new UnparsableDefinitionError(parsed.message);
  if ('error' in tokens) throw new UnparsableDefinitionError(tokens.error);
  const stmt = parsed.statements.length === 1 ? parsed.statements[0]?.stmt : undefined;
  if (stmt === undefined) throw new UnparsableDefinitionError('not one statement');
  const starts: number[] = [];
  walkNodes(stmt, (tag, body) => {
    if (tag !== 'ColumnRef') return;
    const fields = body.fields as Node[] | undefined;
    const only = fields?.length === 1 ? fields[0] : undefined;
    if (only !== undefined && 'String' in only && only.String.sval === from) starts.push(parsed.index(Number(body.location ?? 0)));
  });
  const replaced = [...starts.map((start) => tokens.findIndex((t) => t.start === start)), ...(plainNames?.(stmt, tokens) ?? [])];
  let out = '';
  let last = 0;
  for (const i of [...new Set(replaced)].sort((a, b) => a - b)) {
    const token = tokens[i];
    if (token === undefined || identifierOf(token) !== from)
      throw new UnparsableDefinitionError(`no identifier ${from} where the parse tree has it`);
    out += sql.slice(last, token.start) + quoteIdent(to);
    last = token.end;
  }
  return (out + sql.slice(last)).slice(prefix.length);
}

/** The tokens of index key and INCLUDE columns that are plain names equal to `from`. */
function indexColumnTokens(from: string): (stmt: Node, tokens: readonly ScannedToken[]) => number[] {
  return (stmt, tokens) => {
    if (!('IndexStmt' in stmt)) throw new UnparsableDefinitionError('not an index definition');
    const index: IndexStmt = stmt.IndexStmt;
    const found: number[] = [];
    const match = (params: readonly Node[], open: number): number => {
      if (tokens[open]?.text !== '(') throw new UnparsableDefinitionError('no column list where expected');
      const { elements, end } = listElements(tokens, open);
      if (elements.length !== params.length) throw new UnparsableDefinitionError('the column list does not match the parse tree');
      params.forEach((param, i) => {
        const first = elements[i]?.[0];
        if ('IndexElem' in param && param.IndexElem.name === from && first !== undefined) found.push(tokens.indexOf(first));
      });
      return end;
    };
    const keysOpen = tokens.findIndex((t) => t.text === '(');
    const afterKeys = match(index.indexParams ?? [], keysOpen);
    const include = index.indexIncludingParams ?? [];
    if (include.length > 0) {
      const includeAt = tokens.findIndex((t, i) => i >= afterKeys && t.text.toLowerCase() === 'include');
      match(include, includeAt + 1);
    }
    return found;
  };
}

/** `USING btree (a, lower(b)) INCLUDE (c) WHERE (…)` (pg_get_indexdef from USING on) with column `from` renamed to `to`. */
export async function renameColumnInIndexBody(body: string, from: string, to: string): Promise<string> {
  return rename('CREATE INDEX online_probe ON online_probe ', body, from, to, indexColumnTokens(from));
}

/** `CHECK ((a > 0))` (pg_get_constraintdef) with column `from` renamed to `to`. */
export async function renameColumnInCheck(definition: string, from: string, to: string): Promise<string> {
  return rename('ALTER TABLE online_probe ADD ', definition, from, to);
}
