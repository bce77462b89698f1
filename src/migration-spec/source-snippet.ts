// Where a spec file fails to parse, shown as editors and compilers do: `file:line:column`, the line
// before, the offending line and a caret under the column.

/** 1-based line and column. */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

/** The line and column of a character offset into `text`. */
export function positionAt(text: string, offset: number): SourcePosition {
  const before = text.slice(0, Math.max(0, offset)).split('\n');
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}

/** `  --> path:3:9`, then the numbered lines up to the position, then the caret: indented for an issue line. */
export function sourceSnippet(path: string, text: string, at: SourcePosition): string {
  const lines = text.split('\n');
  const first = Math.max(1, at.line - 1);
  const shown = lines.slice(first - 1, at.line);
  const width = String(at.line).length;
  const gutter = (label: string): string => `    ${label.padStart(width)} | `;
  return [
    `    ${' '.repeat(width)}--> ${path}:${at.line}:${at.col}`,
    ...shown.map((line, i) => `${gutter(String(first + i))}${line.replace(/\r$/, '')}`.trimEnd()),
    // The caret line keeps the tabs before the column, so it lines up however tabs are shown.
    `${gutter('')}${(lines[at.line - 1] ?? '').slice(0, at.col - 1).replace(/[^\t]/g, ' ')}^`,
  ].join('\n');
}
