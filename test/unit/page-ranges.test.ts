// splitPageRanges: the keyless ctid fallback's page ranges are contiguous, cover [0, pages), none empty.
import { describe, expect, it } from 'vitest';
import { splitPageRanges } from '../../phases/backfill-engine/key-ranges.js';
import { InvalidOptionError } from '../../src/errors/index.js';

describe('splitPageRanges', () => {
  it('returns no ranges for a table without pages', () => {
    expect(splitPageRanges(0, 4)).toEqual([]);
  });

  it('returns the whole heap for count 1', () => {
    expect(splitPageRanges(1, 1)).toEqual([{ lowerPage: 0, upperPage: 1 }]);
    expect(splitPageRanges(500, 1)).toEqual([{ lowerPage: 0, upperPage: 500 }]);
  });

  it('splits evenly when the pages divide', () => {
    expect(splitPageRanges(12, 3)).toEqual([
      { lowerPage: 0, upperPage: 4 },
      { lowerPage: 4, upperPage: 8 },
      { lowerPage: 8, upperPage: 12 },
    ]);
  });

  it('returns one page per range when there are fewer pages than ranges', () => {
    expect(splitPageRanges(3, 8)).toEqual([
      { lowerPage: 0, upperPage: 1 },
      { lowerPage: 1, upperPage: 2 },
      { lowerPage: 2, upperPage: 3 },
    ]);
  });

  it.each([
    [1, 4],
    [7, 3],
    [10, 4],
    [101, 7],
    [1_000_003, 16],
    [2 ** 32 - 1, 64],
  ])('covers [0, %i) in at most %i contiguous, non-empty ranges differing by at most one page', (pages, count) => {
    const ranges = splitPageRanges(pages, count);
    expect(ranges).toHaveLength(Math.min(pages, count));
    expect(ranges[0]?.lowerPage).toBe(0);
    expect(ranges.at(-1)?.upperPage).toBe(pages);
    ranges.forEach((r, i) => {
      expect(r.upperPage).toBeGreaterThan(r.lowerPage);
      if (i > 0) expect(r.lowerPage).toBe(ranges[i - 1]?.upperPage);
    });
    const sizes = ranges.map((r) => r.upperPage - r.lowerPage);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('rejects a count or page count that is not an integer in range', () => {
    expect(() => splitPageRanges(10, 0)).toThrow(InvalidOptionError);
    expect(() => splitPageRanges(10, 1.5)).toThrow(InvalidOptionError);
    expect(() => splitPageRanges(-1, 2)).toThrow(InvalidOptionError);
    expect(() => splitPageRanges(Number.NaN, 2)).toThrow(InvalidOptionError);
  });
});
