// Turns the measured runs into the results: per approach and mode the medians over the repeats, the
// ratios to (a), the OLTP figures against their no-migration baseline, and the scaling row.
import type { BenchArgs } from './bench-args.js';
import type { MachineInfo } from './machine-info.js';
import { median } from './median.js';
import type { BenchMode, RunRecord } from './run-once.js';

export interface OltpSummary {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly p99VsBaseline: number;
  readonly operationsPerSecond: number;
  /** Summed over the repeats. */
  readonly errors: number;
  readonly firstError: string | null;
  readonly lockWaitMaxMs: number;
}

export interface ModeSummary {
  readonly runs: readonly RunRecord[];
  readonly medianSeconds: number;
  readonly rowsPerSecond: number;
  /** rows/s over (a)'s in the same mode; above 1 is faster. */
  readonly ratioVsSingleUpdate: number | null;
  /** False when any run stopped at its budget: the rate is then over the rows it did. */
  readonly complete: boolean;
  readonly rowsFilled: number;
  readonly settledBatchSize: number | null;
  readonly firstTenthRowsPerSecond: number | null;
  readonly lastTenthRowsPerSecond: number | null;
  readonly oltp: OltpSummary | null;
}

export interface ApproachSummary {
  readonly id: string;
  readonly label: string;
  readonly idle: ModeSummary | null;
  readonly load: ModeSummary | null;
}

export interface ScalingSummary {
  readonly rows: number;
  readonly scaledRows: number;
  readonly seconds: number;
  readonly scaledSeconds: number;
  /** scaledSeconds / seconds; linear would be scaledRows / rows. */
  readonly timeRatio: number;
  readonly target: number;
  readonly scaledRuns: readonly RunRecord[];
}

export interface BenchResults {
  readonly settings: Omit<BenchArgs, 'databaseUrl' | 'jsonOut'>;
  readonly machine: MachineInfo;
  readonly approaches: readonly ApproachSummary[];
  /** The OLTP load with no migration, medians over every fresh table it ran on. */
  readonly baseline: Omit<OltpSummary, 'p99VsBaseline'> | null;
  readonly scaling: ScalingSummary | null;
}

export const scalingTarget = 4.6;

const medianOf = (values: readonly number[]): number | null => (values.length === 0 ? null : median(values));

export function summarizeMode(runs: readonly RunRecord[], reference: readonly RunRecord[]): ModeSummary | null {
  if (runs.length === 0) return null;
  const rowsPerSecond = median(runs.map((r) => r.rowsPerSecond));
  const referenceRate = medianOf(reference.map((r) => r.rowsPerSecond));
  const loaded = runs.flatMap((r) => (r.oltp === null ? [] : [r.oltp]));
  return {
    runs,
    medianSeconds: median(runs.map((r) => r.seconds)),
    rowsPerSecond,
    ratioVsSingleUpdate: referenceRate === null ? null : rowsPerSecond / referenceRate,
    complete: runs.every((r) => r.complete),
    rowsFilled: median(runs.map((r) => r.rowsFilled)),
    settledBatchSize: medianOf(runs.flatMap((r) => (r.settledBatchSize === null ? [] : [r.settledBatchSize]))),
    firstTenthRowsPerSecond: medianOf(runs.flatMap((r) => (r.trend === null ? [] : [r.trend.firstTenthRowsPerSecond]))),
    lastTenthRowsPerSecond: medianOf(runs.flatMap((r) => (r.trend === null ? [] : [r.trend.lastTenthRowsPerSecond]))),
    oltp:
      loaded.length === 0
        ? null
        : {
            p50Ms: median(loaded.map((o) => o.fill.p50Ms)),
            p99Ms: median(loaded.map((o) => o.fill.p99Ms)),
            maxMs: median(loaded.map((o) => o.fill.maxMs)),
            p99VsBaseline: median(loaded.map((o) => o.p99VsBaseline)),
            operationsPerSecond: median(loaded.map((o) => o.fill.operationsPerSecond)),
            errors: loaded.reduce((sum, o) => sum + o.fill.errors, 0),
            firstError: loaded.find((o) => o.fill.firstError !== null)?.fill.firstError ?? null,
            lockWaitMaxMs: median(loaded.map((o) => o.fillLockWaitMaxMs)),
          },
  };
}

export function summarizeBaseline(runs: readonly RunRecord[]): BenchResults['baseline'] {
  const loaded = runs.flatMap((r) => (r.oltp === null ? [] : [r.oltp]));
  if (loaded.length === 0) return null;
  return {
    p50Ms: median(loaded.map((o) => o.baseline.p50Ms)),
    p99Ms: median(loaded.map((o) => o.baseline.p99Ms)),
    maxMs: median(loaded.map((o) => o.baseline.maxMs)),
    operationsPerSecond: median(loaded.map((o) => o.baseline.operationsPerSecond)),
    errors: loaded.reduce((sum, o) => sum + o.baseline.errors, 0),
    firstError: loaded.find((o) => o.baseline.firstError !== null)?.baseline.firstError ?? null,
    lockWaitMaxMs: median(loaded.map((o) => o.baselineLockWaitMaxMs)),
  };
}

export function summarizeScaling(base: readonly RunRecord[], scaled: readonly RunRecord[]): ScalingSummary | null {
  const first = base[0];
  const firstScaled = scaled[0];
  if (first === undefined || firstScaled === undefined) return null;
  const seconds = median(base.map((r) => r.seconds));
  const scaledSeconds = median(scaled.map((r) => r.seconds));
  return {
    rows: first.rows,
    scaledRows: firstScaled.rows,
    seconds,
    scaledSeconds,
    timeRatio: scaledSeconds / seconds,
    target: scalingTarget,
    scaledRuns: scaled,
  };
}

export function runsOf(records: readonly RunRecord[], approach: string, mode: BenchMode): RunRecord[] {
  return records.filter((r) => r.approach === approach && r.mode === mode);
}
