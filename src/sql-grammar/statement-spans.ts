// A script of many statements, as PostgreSQL's grammar splits it: each statement's parse tree with
// where it stands in the text, and every comment with where it stands. A migration tool's SQL file is
// such a script; the importer keeps each comment with the statement it precedes.
import type { Node } from 'libpg-query';
import { byteToIndex } from './byte-offsets.js';
import { parseSqlWithLocations, scanSql } from './postgres-parser.js';

/** A range of the text, in string indices. */
export interface TextSpan {
  readonly start: number;
  readonly end: number;
}

export interface StatementSpan extends TextSpan {
  readonly stmt: Node;
  /** The statement as written (comments inside it included), without its `;`, trimmed. */
  readonly text: string;
}

export interface CommentSpan extends TextSpan {
  /** The comment as written, `--` or `/* … *\/` included. */
  readonly text: string;
}

export type ScriptOutcome =
  | { readonly ok: true; readonly statements: readonly StatementSpan[]; readonly comments: readonly CommentSpan[] }
  | { readonly ok: false; readonly message: string; readonly position: number | undefined };

/** Splits `text` into statements and comments with PostgreSQL's grammar and lexer; a syntax error is an outcome. */
export async function parseScript(text: string): Promise<ScriptOutcome> {
  const parsed = await parseSqlWithLocations(text);
  if (!parsed.ok) return parsed;
  const tokens = await scanSql(text);
  if ('error' in tokens) return { ok: false, message: tokens.error, position: undefined };
  const index = byteToIndex(text);
  const statements = parsed.statements.map((s) => {
    const start = index(s.location);
    // stmt_len 0 means "to the end of the text" (the last statement without a `;`).
    const end = s.length === 0 ? text.length : index(s.location + s.length);
    const raw = text.slice(start, end);
    const leading = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    return { stmt: s.stmt, start: start + leading, end: start + leading + trimmed.length, text: trimmed };
  });
  const comments = tokens.filter((t) => t.comment).map((t) => ({ start: t.start, end: t.end, text: t.text }));
  return { ok: true, statements, comments };
}
