import { describe, expect, it } from 'vitest';
import { closestName, didYouMean } from '../../src/errors/did-you-mean.js';

describe('did you mean', () => {
  const commands = ['check', 'complete', 'history', 'migrate', 'new', 'pause', 'plan', 'resume', 'rollback', 'status', 'unpause'];

  it.each([
    ['statu', 'status'],
    ['stauts', 'status'],
    ['rolback', 'rollback'],
    ['Resume', 'resume'],
    ['stat', 'status'],
    ['plna', 'plan'],
    ['nw', 'new'],
    ['migrte', 'migrate'],
  ])('suggests %s → %s', (typed, meant) => expect(closestName(typed, commands)).toBe(meant));

  it.each(['zzzzzz', 'deploy', 'x', 'st'])('suggests nothing for %s, which is no near miss', (typed) =>
    expect(closestName(typed, commands)).toBeUndefined(),
  );

  it('words the suggestion, or says nothing', () => {
    expect(didYouMean('dry-runn', ['dry-run', 'complete'], (f) => `--${f}`)).toBe('; did you mean --dry-run?');
    expect(didYouMean('jsno', ['json', 'config'], (f) => `--${f}`)).toBe('; did you mean --json?');
    expect(didYouMean('add-colum', ['add-column', 'add-check'])).toBe('; did you mean add-column?');
    expect(didYouMean('frobnicate', ['add-column'])).toBe('');
  });
});
