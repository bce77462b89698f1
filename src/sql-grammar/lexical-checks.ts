// What the lexer alone refuses in spliced SQL: text it cannot tokenize, and comments.
//
// Comments are refused, not stripped. A `--` comment runs to the end of the line, so spliced as
// `(<expr>)` it would swallow the closing parenthesis and whatever follows; stripping it would make
// the SQL we plan, show and record differ from what the spec says. Comments belong in the spec file.
import { SqlShapeError } from '../errors/index.js';
import { scanSql, type ScannedToken } from './postgres-parser.js';

export interface SplicedText {
  /** The spec field, e.g. `default`, `set status`, `sql[2]`. */
  readonly field: string;
  readonly text: string;
  /** What the field must be, e.g. `exactly one expression`. */
  readonly expected: string;
  /** How the text is named in the error, e.g. `expression`, `query`. */
  readonly noun: string;
  /** Text that runs on its own (a raw statement) is not spliced into parentheses. */
  readonly standalone?: boolean;
}

export function shapeError(spliced: SplicedText, reason: string): SqlShapeError {
  return new SqlShapeError(spliced.field, spliced.text, spliced.expected, reason, spliced.noun);
}

/** What a text that does not parse probably holds at its top level: a hint for the error. */
function structureHint(tokens: readonly ScannedToken[]): string {
  let depth = 0;
  let comma = false;
  let semicolon = false;
  for (const token of tokens) {
    if (token.text === '(') depth++;
    if (token.text === ')') depth--;
    if (depth < 0) return ' (an unbalanced ")")';
    if (depth === 0 && token.text === ',') comma = true;
    if (depth === 0 && token.text === ';') semicolon = true;
  }
  if (depth > 0) return ' (an unbalanced "(")';
  return semicolon ? ' (a ";"?)' : comma ? ' (a top-level comma?)' : '';
}

/**
 * Refuses empty text, a NUL byte, text the server's lexer cannot tokenize, and any comment in it;
 * returns the hint for a parse error, from the text's top-level structure.
 */
export async function refuseCommentsAndLexicalErrors(spliced: SplicedText): Promise<string> {
  if (spliced.text.trim() === '') throw shapeError(spliced, 'it is empty');
  // The parser and the server both read a query as a C string: a NUL would cut them off where we cannot see.
  if (spliced.text.includes('\u0000')) throw shapeError(spliced, 'it contains a NUL byte');
  const tokens = await scanSql(spliced.text);
  if ('error' in tokens) throw shapeError(spliced, `it does not parse: ${tokens.error}`);
  if (tokens.some((t) => t.comment)) {
    throw shapeError(
      spliced,
      spliced.standalone === true
        ? 'comments are not allowed in it (write them in the spec file, outside the SQL)'
        : 'comments are not allowed in it (a "--" comment would swallow the closing parenthesis it is spliced into); write comments in the spec file',
    );
  }
  return structureHint(tokens);
}
