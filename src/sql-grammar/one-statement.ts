// "Exactly one statement", as PostgreSQL's grammar reads it, for the raw SQL of an `sql` step: the
// statement's parse tree is returned so the step's rules can be checked on it, not on its spelling.
import type { Node } from 'libpg-query';
import { refuseCommentsAndLexicalErrors, shapeError, type SplicedText } from './lexical-checks.js';
import { parseSql } from './postgres-parser.js';

/** Parses `text` as exactly one statement; throws SqlShapeError (exit 2) otherwise. */
export async function parseOneStatement(field: string, text: string): Promise<Node> {
  const spliced: SplicedText = { field, text, expected: 'exactly one statement', noun: 'sql', standalone: true };
  const hint = await refuseCommentsAndLexicalErrors(spliced);
  const parsed = await parseSql(text);
  if (!parsed.ok) throw shapeError(spliced, `it does not parse: ${parsed.message}${hint}`);
  if (parsed.statements.length !== 1) {
    throw shapeError(
      spliced,
      parsed.statements.length === 0 ? 'it is empty' : `found ${parsed.statements.length}; give each statement its own list entry`,
    );
  }
  const stmt = parsed.statements[0]?.stmt;
  if (stmt === undefined) throw shapeError(spliced, 'it is empty');
  return stmt;
}
