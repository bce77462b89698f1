// Renames the references to one column inside SQL that PostgreSQL itself printed (pg_get_indexdef,
// pg_get_constraintdef), so an index or CHECK on a column can be re-created on its shadow copy.
// PostgreSQL prints identifiers with quote_identifier: plain lower-case names bare, the rest in double
// quotes. A token is a reference to the column when it is that identifier and is not a type name
// (after `::`), a qualified part (next to `.`) or a function name (before `(`). String literals,
// including E'…' escapes, are skipped. Whatever this produces is then built on an empty copy of the
// table in pre-flight, so a rewrite PostgreSQL does not accept is refused before anything changes.
import { quoteIdent } from '../db/quote.js';

const identStart = /[A-Za-z_\u0080-\uffff]/;
const identPart = /[A-Za-z0-9_$\u0080-\uffff]/;

interface Token {
  readonly start: number;
  readonly end: number;
  /** The identifier's name (unquoted), for identifier tokens. */
  readonly name?: string;
}

function stringEnd(text: string, open: number, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < text.length) {
    const ch = text[i];
    if (backslashEscapes && ch === '\\') i += 2;
    else if (ch === "'" && text[i + 1] === "'") i += 2;
    else if (ch === "'") return i + 1;
    else i += 1;
  }
  return text.length;
}

function* tokens(text: string): Generator<Token> {
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (ch === "'") {
      const end = stringEnd(text, i, false);
      yield { start: i, end };
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      let name = '';
      while (j < text.length) {
        if (text[j] === '"' && text[j + 1] === '"') {
          name += '"';
          j += 2;
        } else if (text[j] === '"') break;
        else name += text[j++];
      }
      yield { start: i, end: j + 1, name };
      i = j + 1;
    } else if (identStart.test(ch)) {
      let j = i + 1;
      while (j < text.length && identPart.test(text[j] ?? '')) j++;
      if ((ch === 'E' || ch === 'e') && j === i + 1 && text[j] === "'") {
        const end = stringEnd(text, j, true);
        yield { start: i, end };
        i = end;
      } else {
        yield { start: i, end: j, name: text.slice(i, j) };
        i = j;
      }
    } else {
      yield { start: i, end: i + 1 };
      i += 1;
    }
  }
}

/** Replaces every reference to column `from` in `text` with `to` (quoted). */
export function renameColumnReferences(text: string, from: string, to: string): string {
  let out = '';
  let last = 0;
  for (const token of tokens(text)) {
    if (token.name !== from) continue;
    const before = text.slice(0, token.start).trimEnd();
    const after = text.slice(token.end).trimStart();
    if (before.endsWith('::') || before.endsWith('.') || after.startsWith('(') || after.startsWith('.')) continue;
    out += text.slice(last, token.start) + quoteIdent(to);
    last = token.end;
  }
  return out + text.slice(last);
}
