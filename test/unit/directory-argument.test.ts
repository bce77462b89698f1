import { describe, expect, it } from 'vitest';
import { shellWord, withDirectory } from '../../src/cli/directory-argument.js';

describe('withDirectory: next steps name the directory the user gave', () => {
  it.each([
    [undefined, 'online migrate'],
    ['ppm', 'online migrate ppm'],
    ['db/migrations', 'online migrate db/migrations'],
    ['my migrations', "online migrate 'my migrations'"],
    ["it's", "online migrate 'it'\\''s'"],
    ['$HOME', "online migrate '$HOME'"],
  ])('%s → %s', (dir, expected) => {
    expect(withDirectory('online migrate', dir)).toBe(expected);
  });

  it('an empty name is quoted, not dropped', () => {
    expect(shellWord('')).toBe("''");
  });
});
