// The adaptive batch size converges on the target time, grows gently, and backs off hard.
import { describe, expect, it } from 'vitest';
import { BatchSizer, type BatchSizerOptions } from '../../src/throttle/batch-sizer.js';

const defaults: BatchSizerOptions = { initial: 100, min: 10, max: 1_000_000, targetMs: 200 };

/** Runs `steps` batches against a server that takes `msPerRow` per row; returns the sizes used. */
function simulate(sizer: BatchSizer, msPerRow: number, steps: number): number[] {
  const sizes: number[] = [];
  for (let i = 0; i < steps; i += 1) {
    sizes.push(sizer.size);
    sizer.observe(sizer.size, sizer.size * msPerRow);
  }
  return sizes;
}

describe('BatchSizer', () => {
  it.each([0.002, 0.05, 0.4, 3, 50])('converges on the target for a server taking %d ms per row', (msPerRow) => {
    const sizer = new BatchSizer(defaults);
    simulate(sizer, msPerRow, 40);
    const ideal = Math.max(defaults.min, Math.round(defaults.targetMs / msPerRow));
    expect(sizer.size).toBe(ideal);
    if (ideal > defaults.min) expect(Math.abs(sizer.size * msPerRow - defaults.targetMs)).toBeLessThanOrEqual(defaults.targetMs * 0.01);
  });

  it('grows by at most 1.5× per step when batches are fast', () => {
    const sizer = new BatchSizer(defaults);
    const sizes = simulate(sizer, 0.0001, 20);
    for (let i = 1; i < sizes.length; i += 1) {
      expect(sizes[i]).toBeGreaterThan(sizes[i - 1] ?? 0);
      expect(sizes[i]).toBeLessThanOrEqual((sizes[i - 1] ?? 0) * 1.5);
    }
    expect(sizes.slice(0, 4)).toEqual([100, 150, 225, 337]);
  });

  it('still grows from a size of 1', () => {
    const sizer = new BatchSizer({ initial: 1, min: 1, max: 100, targetMs: 100 });
    expect(simulate(sizer, 0.01, 4)).toEqual([1, 2, 3, 4]);
  });

  it('shrinks straight to the ideal size when batches are slow but under 5× target', () => {
    const sizer = new BatchSizer({ ...defaults, initial: 10_000 });
    expect(sizer.observe(10_000, 800)).toBe(2_500);
  });

  it('cuts to a tenth on a batch over 5× target, and old fast samples do not regrow it', () => {
    const sizer = new BatchSizer({ ...defaults, initial: 10_000 });
    for (let i = 0; i < 5; i += 1) sizer.observe(10_000, 100);
    expect(sizer.size).toBe(20_000);
    const before = sizer.size;
    expect(sizer.observe(before, 6 * defaults.targetMs)).toBe(before / 10);
    // The slow batch alone shapes the next estimate: 1200 ms for 20 000 rows → 200 ms fits 3 333 rows.
    expect(sizer.observe(2_000, 10)).toBe(3_000);
    expect(sizer.observe(3_000, 15)).toBe(3_333);
  });

  it('exactly 5× target is not a hard cut', () => {
    const sizer = new BatchSizer({ ...defaults, initial: 10_000 });
    expect(sizer.observe(10_000, 5 * defaults.targetMs)).toBe(2_000);
  });

  it('does not cut below min', () => {
    const sizer = new BatchSizer({ ...defaults, initial: 50 });
    expect(sizer.observe(50, 10_000)).toBe(10);
  });

  it('halve and shrink halve the size and floor at min', () => {
    const sizer = new BatchSizer({ ...defaults, initial: 100 });
    expect(sizer.halve()).toBe(50);
    expect(sizer.shrink()).toBe(25);
    expect(sizer.halve()).toBe(12);
    expect(sizer.shrink()).toBe(10);
    expect(sizer.halve()).toBe(10);
    expect(sizer.size).toBe(10);
  });

  it('never exceeds a ceiling, never goes below min for one, and grows again once it is removed', () => {
    const sizer = new BatchSizer({ ...defaults, initial: 5_000 });
    sizer.setCeiling(1_000);
    expect(sizer.size).toBe(1_000);
    simulate(sizer, 0.0001, 10);
    expect(sizer.size).toBe(1_000);
    sizer.setCeiling(3);
    expect(sizer.size).toBe(defaults.min);
    sizer.setCeiling(null);
    expect(sizer.observe(10, 0.001)).toBe(15);
  });

  it('min == max gives a fixed size whatever happens', () => {
    const sizer = new BatchSizer({ initial: 1, min: 500, max: 500, targetMs: 100 });
    expect(sizer.size).toBe(500);
    expect(sizer.observe(500, 1)).toBe(500);
    expect(sizer.observe(500, 10_000)).toBe(500);
    expect(sizer.halve()).toBe(500);
  });

  it('clamps the initial size into [min, max] as an integer', () => {
    expect(new BatchSizer({ ...defaults, initial: 1 }).size).toBe(10);
    expect(new BatchSizer({ ...defaults, initial: 5e9 }).size).toBe(1_000_000);
    expect(new BatchSizer({ ...defaults, initial: 123.7 }).size).toBe(123);
  });

  it('ignores observations of zero rows', () => {
    const sizer = new BatchSizer(defaults);
    expect(sizer.observe(0, 5_000)).toBe(100);
    expect(sizer.observe(-3, 1)).toBe(100);
    expect(sizer.stats()).toEqual({ size: 100, lastMs: null, p90Ms: null, batches: 0 });
  });

  it('uses the per-row time of a short last batch', () => {
    const sizer = new BatchSizer({ ...defaults, initial: 1_000 });
    // 100 rows in 100 ms is 1 ms/row: 200 rows fit the target.
    expect(sizer.observe(100, 100)).toBe(200);
  });

  it('reports the last time and the p90 over the 10-batch window', () => {
    const sizer = new BatchSizer({ ...defaults, initial: 100, max: 100 });
    for (let ms = 1; ms <= 12; ms += 1) sizer.observe(100, ms);
    // The window holds 3..12 ms; the nearest-rank p90 of 10 samples is the 9th: 11 ms.
    expect(sizer.stats()).toEqual({ size: 100, lastMs: 12, p90Ms: 11, batches: 12 });
  });

  it('rejects impossible options', () => {
    expect(() => new BatchSizer({ ...defaults, min: 0 })).toThrow(RangeError);
    expect(() => new BatchSizer({ ...defaults, max: 5 })).toThrow(RangeError);
    expect(() => new BatchSizer({ ...defaults, targetMs: 0 })).toThrow(RangeError);
  });
});
