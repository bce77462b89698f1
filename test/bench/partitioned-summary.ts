// The partitioned table against the uniform one: each fill's median rows/s on both, idle, the ratio
// between them, and each partitioned fill against the single UPDATE on the partitioned table.
import { runsOf } from './bench-summary.js';
import { median } from './median.js';
import type { RunRecord } from './run-once.js';

export interface PartitionedPair {
  /** The fill's, as on the uniform table. */
  readonly label: string;
  readonly partitioned: string;
  readonly unpartitioned: string;
}

export interface PartitionedComparison extends PartitionedPair {
  readonly partitionedSeconds: number;
  readonly partitionedRowsPerSecond: number;
  /** Null when the unpartitioned fill was not among the approaches. */
  readonly unpartitionedSeconds: number | null;
  readonly unpartitionedRowsPerSecond: number | null;
  /** Partitioned rows/s over unpartitioned; above 1 the partitioned table filled faster. */
  readonly ratio: number | null;
  /** Partitioned rows/s over the single UPDATE's on the partitioned table; null when it did not run. */
  readonly ratioVsPartitionedUpdate: number | null;
}

const medianOf = (values: readonly number[]): number | null => (values.length === 0 ? null : median(values));

/** One row per pair whose partitioned fill ran idle, in the pairs' order. */
export function summarizePartitioned(
  records: readonly RunRecord[],
  pairs: readonly PartitionedPair[],
  partitionedUpdate: string,
): PartitionedComparison[] {
  const updateRate = medianOf(runsOf(records, partitionedUpdate, 'idle').map((r) => r.rowsPerSecond));
  return pairs.flatMap((pair) => {
    const partitioned = runsOf(records, pair.partitioned, 'idle');
    if (partitioned.length === 0) return [];
    const unpartitioned = runsOf(records, pair.unpartitioned, 'idle');
    const partitionedRowsPerSecond = median(partitioned.map((r) => r.rowsPerSecond));
    const unpartitionedRowsPerSecond = medianOf(unpartitioned.map((r) => r.rowsPerSecond));
    return [
      {
        ...pair,
        partitionedSeconds: median(partitioned.map((r) => r.seconds)),
        partitionedRowsPerSecond,
        unpartitionedSeconds: medianOf(unpartitioned.map((r) => r.seconds)),
        unpartitionedRowsPerSecond,
        ratio: unpartitionedRowsPerSecond === null ? null : partitionedRowsPerSecond / unpartitionedRowsPerSecond,
        ratioVsPartitionedUpdate: updateRate === null ? null : partitionedRowsPerSecond / updateRate,
      },
    ];
  });
}
