// Backfill progress is where the cursors stand (exact), rates are over recent running time only, and no number is ever non-finite.
import { describe, expect, it } from 'vitest';
import { ProgressWindow, etaSeconds } from '../../phases/backfill-engine/progress-window.js';
import type { BackfillCursor } from '../../phases/backfill-engine/backfill-cursors.js';
import { TaskProgress } from '../../phases/backfill-engine/task-progress.js';
import type { KeyMeasure } from '../../phases/backfill-engine/key-measure.js';
import { expectedRows, percentOf, rangeFraction, taskFraction, type RangeSpan } from '../../phases/backfill-engine/range-fraction.js';

/** A key measured without statistics: its numeric span (with the first range's floor). */
const measure = (leadingKeyType: string | undefined, floor: string | null): KeyMeasure => ({ leadingKeyType, floor, scale: null });

const span = (over: Partial<RangeSpan>): RangeSpan => ({
  kind: 'key',
  lowerBound: null,
  upperBound: ['1000'],
  position: null,
  rowsDone: 0,
  rowsEstimated: 1000,
  done: false,
  ...over,
});

describe('range fraction', () => {
  it('integer keys: the share of the key span at or below the cursor, whatever the rows updated', () => {
    // A verify pass updates nothing; a fill may update only some rows: the cursor still says how far it is.
    expect(rangeFraction(span({ lowerBound: ['500'], position: ['750'], rowsDone: 0 }), measure('bigint', null))).toBeCloseTo(0.5, 5);
    expect(rangeFraction(span({ position: ['400'], rowsDone: 3 }), measure('integer', '1'))).toBeCloseTo(0.4, 5);
    expect(rangeFraction(span({ position: null }), measure('integer', '1'))).toBeLessThan(0.01);
  });

  it('bigint keys near the type limits keep their precision', () => {
    const f = rangeFraction(
      span({ lowerBound: ['9223372036854775000'], upperBound: ['9223372036854775800'], position: ['9223372036854775400'] }),
      measure('bigint', null),
    );
    expect(f).toBeCloseTo(0.5, 5);
  });

  it('uuid keys: positions as 128-bit numbers', () => {
    const f = rangeFraction(
      span({
        lowerBound: ['00000000-0000-0000-0000-000000000000'],
        upperBound: ['ffffffff-ffff-ffff-ffff-ffffffffffff'],
        position: ['40000000-0000-0000-0000-000000000000'],
      }),
      measure('uuid', null),
    );
    expect(f).toBeCloseTo(0.25, 5);
  });

  it('composite keys with an integer leading column move by that column', () => {
    const f = rangeFraction(span({ lowerBound: ['100', 'x'], upperBound: ['200', 'a'], position: ['150', 'q'] }), measure('integer', null));
    expect(f).toBeCloseTo(0.5, 2);
  });

  it('non-numeric keys: a finished range counts fully, an unfinished one by its rows against its estimate, capped below 100%', () => {
    expect(rangeFraction(span({ upperBound: ['m'], position: ['f'], rowsDone: 300 }), measure('text', null))).toBeCloseTo(0.3, 5);
    expect(rangeFraction(span({ upperBound: ['m'], position: ['l'], rowsDone: 5000 }), measure('text', null))).toBe(0.95);
    expect(rangeFraction(span({ upperBound: ['m'], position: ['m'], rowsDone: 10, done: true }), measure('text', null))).toBe(1);
    // Composite key with a text leading column.
    expect(rangeFraction(span({ upperBound: ['m', '1'], position: ['f', '2'], rowsDone: 0 }), measure('text', null))).toBe(0);
  });

  it('ctid: pages done of the range pages', () => {
    expect(
      rangeFraction(span({ kind: 'ctid', lowerBound: ['100'], upperBound: ['200'], position: ['130'] }), measure(undefined, null)),
    ).toBeCloseTo(0.3, 5);
    expect(rangeFraction(span({ kind: 'ctid', lowerBound: ['0'], upperBound: ['200'], position: ['0'] }), measure(undefined, null))).toBe(
      0,
    );
  });

  it('is 1 only when done: a cursor at the upper bound of an unfinished range stays below', () => {
    expect(rangeFraction(span({ lowerBound: ['0'], position: ['1000'] }), measure('integer', null))).toBeLessThan(1);
    expect(
      rangeFraction(span({ kind: 'ctid', lowerBound: ['0'], upperBound: ['10'], position: ['10'] }), measure(undefined, null)),
    ).toBeLessThan(1);
    expect(rangeFraction(span({ lowerBound: ['0'], position: ['1000'], done: true }), measure('integer', null))).toBe(1);
  });

  it('a cursor outside its span (rows deleted below the floor, absurd bounds) clamps to 0–1', () => {
    expect(rangeFraction(span({ position: ['5'] }), measure('integer', '50'))).toBe(0);
    expect(rangeFraction(span({ lowerBound: ['10'], upperBound: ['10'], position: ['10'] }), measure('integer', null))).toBeLessThan(1);
  });
});

describe('task fraction and percent', () => {
  it('sums ranges weighted by their estimates (pages for ctid), equal weights without estimates', () => {
    expect(
      taskFraction([
        { rowsEstimated: 300, done: true, fraction: 1 },
        { rowsEstimated: 100, done: false, fraction: 0 },
      ]),
    ).toBeCloseTo(0.75, 5);
    expect(
      taskFraction([
        { rowsEstimated: 0, done: false, fraction: 0.5 },
        { rowsEstimated: 0, done: false, fraction: 0.1 },
      ]),
    ).toBeCloseTo(0.3, 5);
  });

  it('percent never exceeds 100 and is 100 only when done', () => {
    expect(percentOf(taskFraction([{ rowsEstimated: 1, done: false, fraction: 1 }]), false)).toBeLessThan(100);
    expect(percentOf(1, true)).toBe(100);
    expect(percentOf(5, false)).toBe(99.9);
    expect(percentOf(Number.NaN, false)).toBe(0);
    expect(percentOf(0.4219, false)).toBe(42.1);
  });

  it('expected rows: projected from rows done and the fraction, never absurd, exact when done', () => {
    // A 1M-row table whose estimate came out at 3.2M after our own updates doubled its heap.
    expect(expectedRows(100_000, 3_253_368, 0.1, false)).toBe(1_000_000);
    expect(expectedRows(1_000, 3_253_368, 0.001, false)).toBe(3_253_368);
    // Nothing updated yet (a verify pass finding nothing to do) says nothing of the rows it scans: the estimate.
    expect(expectedRows(0, 500_000, 0.5, false)).toBe(500_000);
    expect(expectedRows(999_999, 1, 1, true)).toBe(999_999);
    expect(Number.isFinite(expectedRows(10, Number.POSITIVE_INFINITY, 0, false))).toBe(true);
  });
});

describe('rate window', () => {
  it('shows no rate until it holds enough running time, then the recent pace', () => {
    const w = new ProgressWindow();
    w.record(0, 0, 0, 0);
    w.record(1_200, 0, 14_242, 0.014);
    expect(w.rates()).toBeNull();
    for (let ms = 1_500; ms <= 12_000; ms += 500) w.record(ms, 0, 14_242 + (ms - 1_200) * 10, 0.014 + (ms - 1_200) / 1e6);
    expect(w.rates()?.rowsPerSecond).toBeCloseTo(10_000, 0);
  });

  it('excludes held time: a new running stretch starts an empty window, and the pace after it ignores the pause', () => {
    const w = new ProgressWindow();
    for (let ms = 0; ms <= 10_000; ms += 500) w.record(ms, 0, ms * 10, ms / 100_000);
    expect(w.rates()?.rowsPerSecond).toBeCloseTo(10_000, 0);
    // The clock excludes the hold, so it goes on from 10 s; the stretch count moved.
    w.record(10_100, 1, 101_000, 0.101);
    expect(w.rates()).toBeNull();
    for (let ms = 11_200; ms <= 16_000; ms += 400) w.record(ms, 1, 101_000 + (ms - 10_100) * 20, 0.101 + (ms - 10_100) / 50_000);
    expect(w.rates()?.rowsPerSecond).toBeCloseTo(20_000, 0);
  });

  it("never exceeds --max-rows-per-second: the bucket's saved-up second is a burst, not the pace", () => {
    const w = new ProgressWindow();
    for (let ms = 1_000; ms <= 4_000; ms += 500) w.record(ms, 0, (ms - 1_000) * 14.242, (ms - 1_000) / 100_000);
    expect(w.rates()?.rowsPerSecond).toBeCloseTo(14_242, 0);
    expect(w.rates(10_000)?.rowsPerSecond).toBeCloseTo(10_000, 0);
    expect(w.rates(10_000)?.fractionPerSecond).toBeCloseTo((0.01 * 10_000) / 14_242, 6);
    expect(w.rates(20_000)?.rowsPerSecond).toBeCloseTo(14_242, 0);
  });

  it('keeps only the recent window', () => {
    const w = new ProgressWindow();
    for (let ms = 0; ms <= 60_000; ms += 1_000) w.record(ms, 0, ms < 30_000 ? ms * 100 : 3_000_000 + (ms - 30_000) * 5, 0);
    expect(w.rates()?.rowsPerSecond).toBeCloseTo(5_000, 0);
  });

  it('never yields a non-finite rate or ETA', () => {
    const w = new ProgressWindow();
    w.record(Number.NaN, 0, 1, 0);
    w.record(5_000, 0, Number.POSITIVE_INFINITY, 0);
    expect(w.rates()).toBeNull();
    expect(etaSeconds(0.5, null)).toBeNull();
    expect(etaSeconds(0.5, { rowsPerSecond: 0, fractionPerSecond: 0 })).toBeNull();
    expect(etaSeconds(0.5, { rowsPerSecond: 0, fractionPerSecond: 1e-320 })).toBeNull();
    expect(etaSeconds(0.5, { rowsPerSecond: 0, fractionPerSecond: 0.01 })).toBe(50);
  });
});

describe('task progress of a pass that updates nothing', () => {
  it('has no ETA while no rows move (0 rows/s), though its cursor advances', () => {
    const cursor = { ...span({ upperBound: ['100000'] }), task: 't', rangeIndex: 0 } as unknown as BackfillCursor;
    const progress = new TaskProgress('t:verify', [cursor], measure('bigint', '1'), null);
    for (const [i, ms] of [0, 1_500, 3_000, 4_500, 6_000].entries())
      progress.advance(0, [String((i + 1) * 10_000)], false, 0, { ms, stretch: 0 });
    const snapshot = progress.snapshot();
    expect(snapshot.fraction).toBeGreaterThan(0.4);
    expect(snapshot.rowsPerSecond).toBe(0);
    expect(snapshot.etaSeconds).toBeNull();
    // The total it scans is the estimate, not ~0.
    expect(snapshot.rowsExpected).toBe(1000);
  });
});
