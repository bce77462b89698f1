// A lexical guard for spec-provided SQL expressions: they must stay inside the parentheses we wrap
// them in (no unbalanced `)`, no top-level `;`, no comments), so an expression can never splice a
// second clause or statement into the SQL it is placed in. Pre-flight then compiles it for real.

export class UnsafeExpressionError extends Error {}

/** Throws UnsafeExpressionError when the expression could escape `( … )`. */
export function assertSelfContained(expression: string): void {
  if (expression.trim() === '') throw new UnsafeExpressionError('the expression is empty');
  let depth = 0;
  let i = 0;
  const n = expression.length;
  while (i < n) {
    const ch = expression[i] as string;
    const next = expression[i + 1];
    if (ch === "'") {
      const escapes = i > 0 && /[eE]/.test(expression[i - 1] ?? '') && !/[\w$]/.test(expression[i - 2] ?? '');
      i = skipQuoted(expression, i, "'", escapes);
      continue;
    }
    if (ch === '"') {
      i = skipQuoted(expression, i, '"', false);
      continue;
    }
    if (ch === '$' && !/[\w$]/.test(expression[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(expression.slice(i));
      if (tag !== null) {
        const end = expression.indexOf(tag[0], i + tag[0].length);
        if (end < 0) throw new UnsafeExpressionError('unterminated dollar-quoted string');
        i = end + tag[0].length;
        continue;
      }
    }
    if ((ch === '-' && next === '-') || (ch === '/' && next === '*')) {
      throw new UnsafeExpressionError('comments are not allowed in expressions');
    }
    if (ch === ';') throw new UnsafeExpressionError('";" is not allowed in an expression');
    if (ch === '(') depth++;
    if (ch === ')') {
      depth--;
      if (depth < 0) throw new UnsafeExpressionError('unbalanced ")"');
    }
    i++;
  }
  if (depth !== 0) throw new UnsafeExpressionError('unbalanced "("');
}

function skipQuoted(text: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (backslashEscapes && ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  throw new UnsafeExpressionError(`unterminated ${quote === "'" ? 'string literal' : 'quoted identifier'}`);
}
