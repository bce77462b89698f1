// The partitioned table beside the uniform one: medians of each fill on both, their ratio, the ratio to
// the single UPDATE on the partitioned table, and no row for a fill whose partitioned run was not made.
import { describe, expect, it } from 'vitest';
import { partitionedComparison } from '../../test/bench/approaches/index.js';
import { summarizePartitioned } from '../../test/bench/partitioned-summary.js';
import { benchRunRecord as run } from './bench-run-record.js';

const { pairs, update } = partitionedComparison;

describe('summarizePartitioned', () => {
  it('gives each fill’s median rows/s on both tables, the partitioned over the unpartitioned, and over the partitioned UPDATE', () => {
    const records = [
      run('update', 100_000),
      run('update-partitioned', 80_000),
      run('online', 60_000),
      run('online', 70_000, { round: 2 }),
      run('online-partitioned', 50_000),
      run('online-partitioned', 54_000, { round: 2 }),
      // Under load: not in the idle comparison.
      run('online-partitioned', 1_000, { mode: 'load' }),
    ];
    const [u, o, ...rest] = summarizePartitioned(records, pairs, update);
    expect(rest).toEqual([]);
    expect(u).toMatchObject({ partitioned: 'update-partitioned', unpartitioned: 'update', label: 'single UPDATE (the ceiling)' });
    expect(u?.partitionedRowsPerSecond).toBeCloseTo(80_000, 6);
    expect(u?.ratio).toBeCloseTo(0.8, 10);
    expect(u?.ratioVsPartitionedUpdate).toBe(1);
    expect(o).toMatchObject({ partitioned: 'online-partitioned', unpartitioned: 'online' });
    expect(o?.partitionedRowsPerSecond).toBeCloseTo(52_000, 6);
    expect(o?.unpartitionedRowsPerSecond).toBeCloseTo(65_000, 6);
    expect(o?.partitionedSeconds).toBeCloseTo((1_000_000 / 50_000 + 1_000_000 / 54_000) / 2, 10);
    expect(o?.ratio).toBeCloseTo(0.8, 10);
    expect(o?.ratioVsPartitionedUpdate).toBeCloseTo(0.65, 10);
  });

  it('has no ratio without the unpartitioned fill or the partitioned UPDATE, and no row without the partitioned fill', () => {
    const [c2, ...rest] = summarizePartitioned([run('online-c2-partitioned', 90_000), run('online', 60_000)], pairs, update);
    expect(rest).toEqual([]);
    expect(c2).toMatchObject({
      partitioned: 'online-c2-partitioned',
      unpartitioned: 'online-c2',
      unpartitionedSeconds: null,
      unpartitionedRowsPerSecond: null,
      ratio: null,
      ratioVsPartitionedUpdate: null,
    });
    expect(summarizePartitioned([run('online', 60_000)], pairs, update)).toEqual([]);
  });
});
