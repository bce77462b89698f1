// The bench's arithmetic: medians over repeats, the ratios (to the single UPDATE, the keyset loop and
// the loop with online's fill triggers), WAL and peak RSS, the skewed-table ratio, the offline ceilings and the scaling ratios.
import { describe, expect, it } from 'vitest';
import {
  summarizeCeiling,
  summarizeMode,
  summarizeScaling,
  summarizeSkew,
  rssScalingTarget,
  scalingTarget,
  skewTarget,
} from '../../test/bench/bench-summary.js';
import { changeTypeCeiling, createIndexCeiling } from '../../test/bench/offline-ceilings.js';
import { backfillWindow } from '../../test/bench/online-cli-run.js';
import type { CeilingRecord } from '../../test/bench/run-ceiling.js';
import { benchRunRecord, MiB } from './bench-run-record.js';

const run = benchRunRecord;

describe('summarizeMode', () => {
  const update = [run('update', 100_000), run('update', 120_000), run('update', 80_000)];
  const keyset = [run('keyset', 60_000), run('keyset', 64_000)];
  const keysetSameJob = [run('keyset-triggers', 56_000), run('keyset-triggers', 48_000), run('keyset-triggers', 49_600)];
  const references = { singleUpdate: update, keyset, keysetSameJob };
  const none = { singleUpdate: [], keyset: [], keysetSameJob: [] };

  it('gives the median rate and its ratios: to the single UPDATE, the keyset loop and the loop with the same triggers', () => {
    const online = [run('online', 70_000), run('online', 62_000), run('online', 50_000)];
    const s = summarizeMode(online, references);
    expect(s?.rowsPerSecond).toBe(62_000);
    expect(s?.ratioVsSingleUpdate).toBeCloseTo(0.62, 10);
    expect(s?.ratioVsKeyset).toBeCloseTo(1.0, 10);
    expect(s?.ratioVsKeysetSameJob).toBeCloseTo(1.25, 10);
  });

  it('takes the median WAL and the median peak RSS of the runs that measured one', () => {
    const online = [
      run('online', 60_000, { walBytes: 300 * MiB, peakRssBytes: 150 * MiB }),
      run('online', 60_000, { walBytes: 100 * MiB, peakRssBytes: 170 * MiB }),
      run('online', 60_000, { walBytes: 200 * MiB, peakRssBytes: 160 * MiB }),
    ];
    const s = summarizeMode(online, references);
    expect(s?.walBytes).toBe(200 * MiB);
    expect(s?.peakRssBytes).toBe(160 * MiB);
    expect(summarizeMode(keyset, references)?.peakRssBytes).toBeNull();
  });

  it('has no ratio without its reference, and no summary without runs', () => {
    const s = summarizeMode([run('online', 50_000)], none);
    expect(s?.ratioVsSingleUpdate).toBeNull();
    expect(s?.ratioVsKeyset).toBeNull();
    expect(s?.ratioVsKeysetSameJob).toBeNull();
    expect(summarizeMode([], references)).toBeNull();
  });

  it('puts the no-migration baseline p50 and p99 next to the loaded ones', () => {
    const latency = (p50Ms: number, p99Ms: number) => ({
      operations: 100,
      operationsPerSecond: 10,
      p50Ms,
      p99Ms,
      maxMs: p99Ms,
      writes: { operations: 50, p50Ms, p99Ms, maxMs: p99Ms },
      errors: 0,
      firstError: null,
    });
    const loaded = run('online', 50_000, {
      mode: 'load',
      oltp: {
        baseline: latency(1, 4),
        fill: latency(2, 6),
        p99VsBaseline: 1.5,
        baselineLockWaitMaxMs: 0,
        fillLockWaitMaxMs: 80,
        fillLockWaits: 3,
        runLockWaitMaxMs: 90,
      },
    });
    expect(summarizeMode([loaded], none)?.oltp).toMatchObject({
      p50Ms: 2,
      p99Ms: 6,
      baselineP50Ms: 1,
      baselineP99Ms: 4,
      lockWaitMaxMs: 80,
    });
  });
});

describe('summarizeSkew', () => {
  it('compares online --concurrency 2 on the skewed table with the same on the uniform one', () => {
    const skew = summarizeSkew([run('online-c2-skewed', 90_000), run('online-c2-skewed', 80_000)], [run('online-c2', 100_000)], [], []);
    expect(skew).toEqual({
      skewedRowsPerSecond: 85_000,
      uniformRowsPerSecond: 100_000,
      ratio: 0.85,
      target: skewTarget,
      skewedSingleRowsPerSecond: null,
      uniformSingleRowsPerSecond: null,
      speedupRatio: null,
    });
    expect(summarizeSkew([], [run('online-c2', 100_000)], [], [])).toBeNull();
  });

  it('with one worker on each table: the speed-up of two workers on the skewed table over that on the uniform one', () => {
    // Skewed: 50,000 → 85,000 rows/s (1.7×); uniform: 60,000 → 100,000 (1.67×).
    const skew = summarizeSkew(
      [run('online-c2-skewed', 85_000)],
      [run('online-c2', 100_000)],
      [run('online-skewed', 50_000)],
      [run('online', 60_000)],
    );
    expect(skew?.skewedSingleRowsPerSecond).toBeCloseTo(50_000, 6);
    expect(skew?.uniformSingleRowsPerSecond).toBeCloseTo(60_000, 6);
    expect(skew?.speedupRatio).toBeCloseTo(1.7 / (100_000 / 60_000), 10);
  });
});

describe('summarizeScaling', () => {
  it('gives the time ratio, the peak-RSS ratio and the checkpoints of 4× the rows', () => {
    const base = [run('online', 100_000, { peakRssBytes: 100 * MiB, checkpoints: 0 })];
    const scaled = [run('online', 95_000, { rows: 4_000_000, seconds: 42, peakRssBytes: 105 * MiB, checkpoints: 3 })];
    const s = summarizeScaling({ base, scaled });
    expect(s).toMatchObject({ rows: 1_000_000, scaledRows: 4_000_000, seconds: 10, scaledSeconds: 42, target: scalingTarget });
    expect(s).toMatchObject({ checkpoints: 0, scaledCheckpoints: 3 });
    expect(s?.timeRatio).toBeCloseTo(4.2, 10);
    expect(s?.rssRatio).toBeCloseTo(1.05, 10);
    expect(s?.rssTarget).toBe(rssScalingTarget);
    expect(s?.reference).toBeNull();
  });

  it('puts the single UPDATE at both sizes beside it, when it ran', () => {
    const online = { base: [run('online', 100_000)], scaled: [run('online', 80_000, { rows: 4_000_000 })] };
    const update = { base: [run('update', 100_000)], scaled: [run('update', 4_000_000 / 45, { rows: 4_000_000 })] };
    expect(summarizeScaling(online, update)?.reference).toEqual({ seconds: 10, scaledSeconds: 45, timeRatio: 4.5 });
  });

  it('has no RSS ratio when either side measured none, and no row without both sides', () => {
    expect(
      summarizeScaling({ base: [run('online', 100_000)], scaled: [run('online', 100_000, { rows: 4_000_000 })] })?.rssRatio,
    ).toBeNull();
    expect(summarizeScaling({ base: [], scaled: [run('online', 100_000)] })).toBeNull();
  });
});

describe('summarizeCeiling', () => {
  const record = (way: 'offline' | 'online', seconds: number, round = 1): CeilingRecord => ({
    operation: 'change-type',
    way,
    round,
    rows: 1_000_000,
    seconds,
    walBytes: (way === 'online' ? 300 : 200) * MiB,
    peakRssBytes: way === 'online' ? 150 * MiB : null,
  });
  const labels = { onlineLabel: 'online change-type', offlineLabel: 'ALTER COLUMN TYPE' };

  it('gives the median of each way and online’s time over the offline statement’s', () => {
    const s = summarizeCeiling(labels, [record('offline', 4), record('online', 10), record('offline', 6, 2), record('online', 14, 2)]);
    expect(s).toMatchObject({ operation: 'change-type', offlineSeconds: 5, onlineSeconds: 12, timeRatio: 2.4 });
    expect(s).toMatchObject({ offlineWalBytes: 200 * MiB, onlineWalBytes: 300 * MiB, onlinePeakRssBytes: 150 * MiB });
  });

  it('has no summary unless both ways ran', () => {
    expect(summarizeCeiling(labels, [record('offline', 4)])).toBeNull();
  });
});

describe('timing online from its NDJSON events', () => {
  const at = (ms: number, event: Record<string, unknown>) => ({ at: ms, event });
  const cliRun = (events: ReturnType<typeof at>[]) => ({ events, peakRssBytes: 100 * MiB, startedAt: 0, exitedAt: 10_000 });

  it('times a backfill from the first backfill-start to the last backfill-done, so expand and start-up are not counted', () => {
    const r = cliRun([
      at(2_000, { type: 'phase', phase: 'expand' }),
      at(2_500, { type: 'backfill-start', task: 'fill' }),
      at(6_000, { type: 'backfill-done', task: 'fill', pass: 'fill', rowsDone: 1_000 }),
      at(6_100, { type: 'backfill-start', task: 'fill:verify' }),
      at(7_000, { type: 'backfill-done', task: 'fill:verify', pass: 'verify', rowsDone: 0 }),
      at(7_200, { type: 'finished', status: 'awaiting_contract' }),
    ]);
    expect(backfillWindow(r)).toEqual({ from: 2_500, to: 7_000 });
    expect(changeTypeCeiling.onlineWindow(r, 1_000)).toEqual({ from: 2_500, to: 7_000 });
    expect(() => changeTypeCeiling.onlineWindow(r, 2_000)).toThrow(/fill pass did 1000 rows, expected 2000/);
    expect(() => backfillWindow(cliRun([]))).toThrow(/no backfill-start/);
  });

  it('times create-index over its expand steps as the CLI measured them', () => {
    const r = cliRun([
      at(2_000, { type: 'phase', phase: 'expand' }),
      at(5_000, { type: 'step', phase: 'expand', skipped: false, durationMs: 2_500 }),
      at(5_100, { type: 'finished', status: 'awaiting_contract' }),
    ]);
    expect(createIndexCeiling.onlineWindow(r, 1_000)).toEqual({ from: 2_500, to: 5_000 });
  });
});
