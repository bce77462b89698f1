// A source migration's SQL as statements, by PostgreSQL's own grammar, each with the comments written
// before it (and inside it) so the generated spec can keep them. A statement's text loses its inner
// comments (an `sql` step refuses comments); they move to the statement's comment list.
import { ImportError } from '../errors/index.js';
import { parseScript, type CommentSpan, type TextSpan } from '../sql-grammar/statement-spans.js';
import type { SourceMigration, SourceStatement } from './import-types.js';

export interface SourceStatements {
  readonly statements: readonly SourceStatement[];
  /** Comments after the last statement. */
  readonly trailingComments: readonly string[];
}

/** The statements of a migration; a syntax error is an ImportError naming the file and line. */
export async function sourceStatements(migration: SourceMigration): Promise<SourceStatements> {
  const text = migration.sql;
  const script = await parseScript(text);
  const lineAt = (index: number): number => migration.firstLine + (text.slice(0, index).match(/\n/g)?.length ?? 0);
  if (!script.ok) {
    const where = script.position === undefined ? migration.file : `${migration.file}:${lineAt(script.position)}`;
    throw new ImportError('IMPORT_SQL_INVALID', `${where}: PostgreSQL's parser refuses it: ${script.message}`);
  }
  const statements: SourceStatement[] = [];
  let since = 0;
  for (const s of script.statements) {
    const before = script.comments.filter((c) => c.start >= since && c.end <= s.start);
    const inside = script.comments.filter((c) => c.start >= s.start && c.end <= s.end);
    statements.push({
      sql: withoutComments(text, s, inside),
      stmt: s.stmt,
      comments: [...before, ...inside].map(commentText).filter(kept),
      line: lineAt(s.start),
    });
    since = s.end;
  }
  const trailingComments = script.comments
    .filter((c) => c.start >= since)
    .map(commentText)
    .filter(kept);
  return { statements, trailingComments };
}

/** drizzle-kit's `--> statement-breakpoint` separates statements for its runner: it says nothing to a reader. */
const kept = (comment: string): boolean => comment !== '' && comment !== '> statement-breakpoint';

/** The comment's words: `-- CreateTable` → `CreateTable`; a block comment's lines keep their breaks. */
function commentText(comment: CommentSpan): string {
  const t = comment.text;
  const body = t.startsWith('--') ? t.slice(2) : t.slice(2, -2);
  return body
    .split('\n')
    .map((line) => line.replace(/^\s*\*?\s?/, '').trimEnd())
    .join('\n')
    .trim();
}

/** The statement's text with its comments cut out; a comment that separated two words leaves one space. */
function withoutComments(text: string, span: TextSpan, comments: readonly CommentSpan[]): string {
  let out = '';
  let at = span.start;
  for (const c of comments) {
    out += text.slice(at, c.start);
    if (!/\s$/.test(out)) out += ' ';
    at = c.end;
  }
  out += text.slice(at, span.end);
  return out.replace(/[ \t]+\n/g, '\n').trim();
}
