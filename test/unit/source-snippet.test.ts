import { describe, expect, it } from 'vitest';
import { positionAt, sourceSnippet } from '../../src/migration-spec/source-snippet.js';

describe('the snippet of a spec that does not parse', () => {
  const snippetLines = (text: string, line: number, col: number): string[] => sourceSnippet('m.yaml', text, { line, col }).split('\n');

  it('names path:line:column, shows the line before and the line, and puts a caret under the column', () => {
    expect(snippetLines('operations:\n  - op: add-column\n    table: [\n', 3, 12)).toEqual([
      '     --> m.yaml:3:12',
      '    2 |   - op: add-column',
      '    3 |     table: [',
      '      |            ^',
    ]);
  });

  it('keeps tabs before the column, so the caret lines up however tabs are shown', () => {
    expect(snippetLines('a:\n\tb: [', 2, 5).at(-1)).toBe('      | \t   ^');
  });

  it('shows only the line itself on line 1, with a gutter as wide as the line number', () => {
    expect(sourceSnippet('x.json', '{"a":}', { line: 1, col: 6 })).toBe('     --> x.json:1:6\n    1 | {"a":}\n      |      ^');
    expect(snippetLines(`${'x: 1\n'.repeat(11)}y: [`, 12, 4).join('\n')).toBe(
      '      --> m.yaml:12:4\n    11 | x: 1\n    12 | y: [\n       |    ^',
    );
  });

  it('turns an offset into a line and column', () => {
    expect(positionAt('ab\ncd\ne', 0)).toEqual({ line: 1, col: 1 });
    expect(positionAt('ab\ncd\ne', 4)).toEqual({ line: 2, col: 2 });
    expect(positionAt('ab\ncd\ne', 6)).toEqual({ line: 3, col: 1 });
  });
});
