// Progress on skewed keys goes by PostgreSQL's statistics of the key's leading column (equal-frequency
// histogram, most common values), not by the key's numeric span; without statistics, by the span.
import { describe, expect, it } from 'vitest';
import type { KeyMeasure } from '../../phases/backfill-engine/key-measure.js';
import { KeyScale, type KeyStats } from '../../phases/backfill-engine/key-scale.js';
import { rangeFraction, rangeShare, taskFraction, type RangeSpan } from '../../phases/backfill-engine/range-fraction.js';

const stats = (over: Partial<KeyStats>): KeyStats => ({ nullFraction: 0, histogram: [], commonValues: [], commonFrequencies: [], ...over });

/** 101 bounds over 1..400000 (dense), then the last bucket's worth stretched up to 2e15 (sparse). */
const denseThenSparse = [...Array.from({ length: 100 }, (_, i) => String(1 + i * 4000)), '2000000000000000'];
/** The mirror: one bucket of sparse low ids up to 1e12, then 100 dense buckets. */
const sparseThenDense = ['1', ...Array.from({ length: 100 }, (_, i) => String(1_000_000_000_000 + i * 3000))];

const measured = (s: KeyStats | null, leadingKeyType = 'bigint', floor: string | null = null): KeyMeasure => ({
  leadingKeyType,
  floor,
  scale: KeyScale.of(s),
});

const span = (over: Partial<RangeSpan>): RangeSpan => ({
  kind: 'key',
  lowerBound: null,
  upperBound: ['2000000000000000'],
  position: null,
  rowsDone: 0,
  rowsEstimated: 1000,
  done: false,
  ...over,
});

describe('key scale', () => {
  it('maps positions through the histogram: bucket index plus interpolation within it, over the buckets', () => {
    const scale = KeyScale.of(stats({ histogram: denseThenSparse })) as KeyScale;
    expect(scale.share(200_001n).upTo).toBeCloseTo(0.5, 3);
    expect(scale.share(0n).upTo).toBe(0);
    expect(scale.share(3_000_000_000_000_000n).upTo).toBe(1);
  });

  it('counts the most common values as steps, with the histogram holding the rest', () => {
    // 40% of the rows are 7; the other 60% spread evenly over 0..100.
    const scale = KeyScale.of(stats({ histogram: ['0', '50', '100'], commonValues: ['7'], commonFrequencies: [0.4] })) as KeyScale;
    const at7 = scale.share(7n);
    expect(at7.below).toBeCloseTo(0.6 * 0.07, 3);
    expect(at7.upTo).toBeCloseTo(0.4 + 0.6 * 0.07, 3);
    expect(scale.share(50n).upTo).toBeCloseTo(0.4 + 0.3, 3);
  });

  it('has no scale without usable statistics', () => {
    expect(KeyScale.of(null)).toBeNull();
    expect(KeyScale.of(stats({}))).toBeNull();
    expect(KeyScale.of(stats({ histogram: ['a', 'b'] }))).toBeNull();
    expect(KeyScale.of(stats({ nullFraction: 1, histogram: ['1', '2'] }))).toBeNull();
  });
});

describe('range fraction on skewed keys', () => {
  it('dense low ids with a sparse tail: half the rows is about half done (the span said 0%)', () => {
    const s = span({ position: ['200000'], rowsDone: 200_000 });
    const f = rangeFraction(s, measured(stats({ histogram: denseThenSparse })));
    expect(f).toBeGreaterThan(0.45);
    expect(f).toBeLessThan(0.55);
    expect(rangeFraction(s, measured(null, 'bigint', '1'))).toBeLessThan(0.01);
  });

  it('sparse low ids then dense high ids: a fifth of the way is not 99.9%', () => {
    const s = span({ position: ['1000000060000'], rowsDone: 60_000 });
    const f = rangeFraction(s, measured(stats({ histogram: sparseThenDense })));
    expect(f).toBeGreaterThan(0.15);
    expect(f).toBeLessThan(0.3);
  });

  it('ranges split by even key steps are weighted by their share of the rows', () => {
    const m = measured(stats({ histogram: denseThenSparse }));
    const first = span({ upperBound: ['1000000000000000'], position: ['200000'], rowsDone: 200_000 });
    const second = span({ lowerBound: ['1000000000000000'], position: null });
    const ranges = [first, second].map((r) => ({ ...r, share: rangeShare(r, m), fraction: rangeFraction(r, m) }));
    expect(ranges[1]?.share).toBeLessThan(0.01);
    const f = taskFraction(ranges);
    expect(f).toBeGreaterThan(0.45);
    expect(f).toBeLessThan(0.55);
  });

  it('a leading column with only common values (tenants): within one, rows against the estimate, capped below 100%', () => {
    const m = measured(stats({ commonValues: ['7', '8'], commonFrequencies: [0.997, 0.003] }));
    const within = (rowsDone: number): number =>
      rangeFraction(span({ upperBound: ['8', '1000'], position: ['7', String(rowsDone)], rowsDone, rowsEstimated: 300_000 }), m);
    expect(within(1_000)).toBeLessThan(0.01);
    expect(within(150_000)).toBeCloseTo(0.5, 2);
    expect(within(299_000)).toBeGreaterThan(0.9);
    expect(within(299_000)).toBeLessThan(1);
    // Past the big tenant: the position says at least that much is done.
    const past = rangeFraction(span({ upperBound: ['8', '1000'], position: ['8', '10'], rowsDone: 10, rowsEstimated: 300_000 }), m);
    expect(past).toBeGreaterThan(0.99);
    expect(past).toBeLessThan(1);
  });

  it('without statistics keeps the key span', () => {
    expect(rangeFraction(span({ upperBound: ['1000'], position: ['400'] }), measured(null, 'integer', '1'))).toBeCloseTo(0.4, 5);
  });

  it('never above 100% nor non-finite, whatever the statistics say', () => {
    const odd = [
      stats({ histogram: ['5', '5', '5'] }),
      stats({ histogram: ['1', '10'], commonValues: ['3'], commonFrequencies: [Number.NaN] }),
      stats({ nullFraction: Number.POSITIVE_INFINITY, commonValues: ['1'], commonFrequencies: [2] }),
      stats({ histogram: denseThenSparse }),
    ];
    for (const s of odd) {
      for (const position of [['-1'], ['5'], ['99999999999999999999'], ['7', 'x']]) {
        for (const lowerBound of [null, ['5'], ['9']]) {
          const r = span({ lowerBound, upperBound: ['6'], position, rowsDone: 10, rowsEstimated: 3 });
          const f = rangeFraction(r, measured(s));
          expect(Number.isFinite(f)).toBe(true);
          expect(f).toBeGreaterThanOrEqual(0);
          expect(f).toBeLessThan(1);
          const share = rangeShare(r, measured(s));
          expect(share === null || (Number.isFinite(share) && share >= 0 && share <= 1)).toBe(true);
        }
      }
    }
  });
});
