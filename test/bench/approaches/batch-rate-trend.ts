// rows/s over the first and the last tenth of a run's batches: shows a rate that decays with progress.
import type { BatchRateTrend } from './approach.js';

export interface TimedBatch {
  readonly rows: number;
  readonly ms: number;
}

export function batchRateTrend(batches: readonly TimedBatch[]): BatchRateTrend | null {
  if (batches.length === 0) return null;
  const tenth = Math.max(1, Math.ceil(batches.length / 10));
  return {
    batches: batches.length,
    firstTenthRowsPerSecond: rate(batches.slice(0, tenth)),
    lastTenthRowsPerSecond: rate(batches.slice(-tenth)),
  };
}

function rate(batches: readonly TimedBatch[]): number {
  const rows = batches.reduce((sum, b) => sum + b.rows, 0);
  const ms = batches.reduce((sum, b) => sum + b.ms, 0);
  return ms > 0 ? (rows * 1000) / ms : 0;
}
