// A measured bench run for the bench's unit tests: 1M rows idle at the given rate, any field overridden.
import type { RunRecord } from '../../test/bench/run-once.js';

export const MiB = 2 ** 20;

/** `seconds` in `extra` wins over the rate; rowsPerSecond always agrees with rows and seconds. */
export function benchRunRecord(approach: string, rowsPerSecond: number, extra: Partial<RunRecord> = {}): RunRecord {
  const rows = extra.rows ?? 1_000_000;
  const seconds = extra.seconds ?? rows / rowsPerSecond;
  return {
    approach,
    mode: 'idle',
    round: 1,
    rows,
    rowsFilled: rows,
    complete: true,
    settledBatchSize: null,
    trend: null,
    oltp: null,
    walBytes: 100 * MiB,
    checkpoints: 0,
    peakRssBytes: null,
    ...extra,
    seconds,
    rowsPerSecond: rows / seconds,
  };
}
