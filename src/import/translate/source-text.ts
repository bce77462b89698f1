// The exact source text of a node of a statement's parse tree (an expression, a type name). A node
// carries where it starts but not where it ends, so the text is found by trying the spans that start
// there (or at an opening parenthesis just before) and end at a token's end, shortest first, and
// keeping the first one PostgreSQL's grammar reads as the very same tree. The text is then the
// source's own spelling, and it is exact by construction: it parses to what the statement said.
import type { Node } from 'libpg-query';
import { ImportError } from '../../errors/index.js';
import { withoutPositions } from '../../sql-grammar/parse-tree.js';
import { parseSql, scanSql, type ScannedToken } from '../../sql-grammar/postgres-parser.js';

/** One statement re-parsed on its own text (comments already removed), so positions index that text. */
export interface StatementSource {
  readonly text: string;
  readonly stmt: Node;
  readonly tokens: readonly ScannedToken[];
  /** The parser's byte offsets as indices into `text`. */
  readonly index: (byteOffset: number) => number;
}

export async function statementSource(text: string): Promise<StatementSource> {
  const parsed = await parseSql(text);
  const tokens = await scanSql(text);
  const stmt = parsed.ok && parsed.statements.length === 1 ? parsed.statements[0]?.stmt : undefined;
  if (stmt === undefined || 'error' in tokens) {
    throw new ImportError('IMPORT_SQL_INVALID', `a statement does not parse on its own: ${text.slice(0, 80)}`);
  }
  return { text, stmt, tokens, index: parsed.ok ? parsed.index : (b) => b };
}

/** The least `location` anywhere in the subtree (byte offset), or undefined when none is known. */
function firstLocation(tree: unknown): number | undefined {
  let least: number | undefined;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'location' && typeof child === 'number' && child >= 0) least = least === undefined ? child : Math.min(least, child);
        else visit(child);
      }
    }
  };
  visit(tree);
  return least;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(withoutPositions(a)) === JSON.stringify(withoutPositions(b));

/** The first span that `reads` turns into a tree equal to `target`, or undefined. */
async function matchingSpan(
  source: StatementSource,
  target: unknown,
  reads: (span: string) => Promise<unknown>,
): Promise<{ readonly start: number; readonly text: string } | undefined> {
  const at = firstLocation(target);
  if (at === undefined) return undefined;
  const start = source.index(at);
  const first = source.tokens.findIndex((t) => t.start <= start && start < t.end);
  if (first < 0) return undefined;
  // The node may begin inside parentheses its tree does not keep: `(a).b`, `(a + b) * c`.
  const starts = [first];
  for (let i = first - 1; i >= 0 && source.tokens[i]?.text === '(' && starts.length < 8; i--) starts.push(i);
  for (const s of starts) {
    const from = source.tokens[s]?.start ?? 0;
    for (let e = Math.max(s, first); e < source.tokens.length; e++) {
      const span = source.text.slice(from, source.tokens[e]?.end ?? 0);
      if (same(await reads(span), target)) return { start: from, text: span };
    }
  }
  return undefined;
}

/** The one target of `SELECT <text>` and nothing else, or undefined. */
async function selectedExpression(text: string): Promise<unknown> {
  const parsed = await parseSql(`SELECT ${text}`);
  const stmt = parsed.ok && parsed.statements.length === 1 ? parsed.statements[0]?.stmt : undefined;
  if (stmt === undefined || !('SelectStmt' in stmt)) return undefined;
  const { targetList, op, limitOption, ...rest } = stmt.SelectStmt;
  if (Object.keys(rest).length > 0 || op !== 'SETOP_NONE' || limitOption !== 'LIMIT_OPTION_DEFAULT') return undefined;
  const target = targetList?.length === 1 ? targetList[0] : undefined;
  if (target === undefined || !('ResTarget' in target) || target.ResTarget.name !== undefined) return undefined;
  return target.ResTarget.val;
}

/** The type of `SELECT NULL::<text>`, or undefined. */
async function castType(text: string): Promise<unknown> {
  const value = await selectedExpression(`NULL::${text}`);
  if (typeof value !== 'object' || value === null || !('TypeCast' in value)) return undefined;
  return (value as { TypeCast: { typeName?: unknown } }).TypeCast.typeName;
}

/** The source's text of an expression node, exact (see the header), or undefined when none reads back the same. */
export async function expressionText(source: StatementSource, expression: Node): Promise<string | undefined> {
  return (await matchingSpan(source, expression, selectedExpression))?.text;
}

/** The source's text of a type name (`TIMESTAMP(3)`, `"Role"[]`), exact, or undefined. */
export async function typeText(source: StatementSource, typeName: unknown): Promise<string | undefined> {
  return (await matchingSpan(source, typeName, castType))?.text;
}

/**
 * Like expressionText, with column references qualified by `table` (`"posts"."published"`, as
 * drizzle-kit writes an index's WHERE) written unqualified: online splices the expression where only
 * that table is in scope, under another name in pre-flight's probes. The result is checked the same
 * way, against the tree with those qualifiers removed.
 */
export async function unqualifiedExpressionText(source: StatementSource, expression: Node, table: string): Promise<string | undefined> {
  const span = await matchingSpan(source, expression, selectedExpression);
  if (span === undefined) return undefined;
  const qualified: { start: number; fields: number }[] = [];
  const target = JSON.parse(JSON.stringify(expression), (key, value: unknown) => {
    if (key !== 'ColumnRef' || typeof value !== 'object' || value === null) return value;
    const ref = value as { fields?: { String?: { sval?: string } }[]; location?: number };
    const fields = ref.fields ?? [];
    const prefix = fields.at(-2)?.String?.sval;
    if (fields.length < 2 || prefix !== table || fields.at(-1)?.String === undefined) return value;
    qualified.push({ start: source.index(ref.location ?? 0), fields: fields.length });
    return { ...ref, fields: fields.slice(-1) };
  }) as unknown;
  if (qualified.length === 0) return span.text;
  // Each qualifier is `name .` (twice for schema.table.column): cut those tokens, keep the column.
  const cuts = qualified.map((q) => {
    const first = source.tokens.findIndex((t) => t.start === q.start);
    const lastCut = source.tokens[first + 2 * (q.fields - 1) - 1];
    return { from: q.start, to: lastCut?.end ?? q.start };
  });
  let out = '';
  let at = span.start;
  for (const cut of cuts.sort((a, b) => a.from - b.from)) {
    out += source.text.slice(at, cut.from);
    at = cut.to;
  }
  out += source.text.slice(at, span.start + span.text.length);
  return same(await selectedExpression(out), target) ? out : undefined;
}
