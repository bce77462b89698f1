// Turns the measured runs into the results: per approach and mode the medians over the repeats, the
// ratios to the single UPDATE and to the keyset loop, the OLTP figures against their no-migration
// baseline, WAL and peak RSS; the skewed-table ratio; the offline ceilings; and the scaling rows.
import type { BenchArgs } from './bench-args.js';
import type { MachineInfo } from './machine-info.js';
import { median } from './median.js';
import type { PartitionedComparison } from './partitioned-summary.js';
import type { CeilingRecord } from './run-ceiling.js';
import type { BenchMode, RunRecord } from './run-once.js';

export interface OltpSummary {
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The same load with no migration on the same fresh tables, just before these fills. */
  readonly baselineP50Ms: number;
  readonly baselineP99Ms: number;
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
  /** rows/s over the single UPDATE's in the same mode; above 1 is faster. */
  readonly ratioVsSingleUpdate: number | null;
  /** rows/s over the server-side keyset loop's in the same mode. */
  readonly ratioVsKeyset: number | null;
  /** rows/s over the keyset loop's on a table with online's fill triggers (the same job) in the same mode. */
  readonly ratioVsKeysetSameJob: number | null;
  readonly walBytes: number;
  /** The online CLI's; null for SQL run from the bench. */
  readonly peakRssBytes: number | null;
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
  readonly peakRssBytes: number | null;
  readonly scaledPeakRssBytes: number | null;
  /** scaledPeakRssBytes / peakRssBytes: memory should not grow with the table. */
  readonly rssRatio: number | null;
  /** Median checkpoints the server started during the fills at each size. */
  readonly checkpoints: number;
  readonly scaledCheckpoints: number;
  /** The single UPDATE on the same sizes, when it ran: how the server itself scales on this memory. */
  readonly reference: { readonly seconds: number; readonly scaledSeconds: number; readonly timeRatio: number } | null;
  readonly rssTarget: number;
  readonly scaledRuns: readonly RunRecord[];
}

/** `online --concurrency 2` on the skewed table against the same on the uniform one, idle. */
export interface SkewSummary {
  readonly skewedRowsPerSecond: number;
  readonly uniformRowsPerSecond: number;
  readonly ratio: number;
  readonly target: number;
  /** One worker on each table (null when not run). */
  readonly skewedSingleRowsPerSecond: number | null;
  readonly uniformSingleRowsPerSecond: number | null;
  /**
   * The speed-up of two workers over one on the skewed table, over the same on the uniform one: how
   * well the ranges finish together on the skew, free of its heavier rows. Null without both singles.
   */
  readonly speedupRatio: number | null;
}

export interface CeilingSummary {
  readonly operation: CeilingRecord['operation'];
  readonly onlineLabel: string;
  readonly offlineLabel: string;
  readonly offlineSeconds: number;
  readonly onlineSeconds: number;
  /** onlineSeconds / offlineSeconds: how many times the offline statement's time online takes. */
  readonly timeRatio: number;
  readonly offlineWalBytes: number;
  readonly onlineWalBytes: number;
  readonly onlinePeakRssBytes: number | null;
  readonly runs: readonly CeilingRecord[];
}

export interface BenchResults {
  readonly settings: Omit<BenchArgs, 'databaseUrl' | 'jsonOut'>;
  /** False under --unsafe-fast or on a BENCH_DATABASE_URL server that is not durable: the figures flatter frequent commits. */
  readonly durable: boolean;
  readonly machine: MachineInfo;
  readonly loadAverageAtEnd: readonly number[];
  readonly approaches: readonly ApproachSummary[];
  /** The OLTP load with no migration, medians over every fresh table it ran on. */
  readonly baseline: Omit<OltpSummary, 'p99VsBaseline' | 'baselineP50Ms' | 'baselineP99Ms'> | null;
  readonly skew: SkewSummary | null;
  /** The fills on the partitioned table beside the same on the uniform one; empty when none ran. */
  readonly partitioned: readonly PartitionedComparison[];
  readonly ceilings: readonly CeilingSummary[];
  readonly scaling: ScalingSummary | null;
}

/** The "must" targets (issue 15): reported as met or missed, never asserted. */
export const scalingTarget = 4.4;
export const rssScalingTarget = 1.1;
export const skewTarget = 0.9;

const medianOf = (values: readonly number[]): number | null => (values.length === 0 ? null : median(values));

const ratioTo = (rate: number, reference: readonly RunRecord[]): number | null => {
  const referenceRate = medianOf(reference.map((r) => r.rowsPerSecond));
  return referenceRate === null || referenceRate === 0 ? null : rate / referenceRate;
};

/** Median of the CLI's peak RSS over the runs that measured one. */
const peakRssOf = (runs: readonly { readonly peakRssBytes: number | null }[]): number | null =>
  medianOf(runs.flatMap((r) => (r.peakRssBytes === null ? [] : [r.peakRssBytes])));

/** The runs, in one mode, of the approaches every other is compared with. */
export interface ReferenceRuns {
  readonly singleUpdate: readonly RunRecord[];
  readonly keyset: readonly RunRecord[];
  readonly keysetSameJob: readonly RunRecord[];
}

export function summarizeMode(runs: readonly RunRecord[], references: ReferenceRuns): ModeSummary | null {
  if (runs.length === 0) return null;
  const rowsPerSecond = median(runs.map((r) => r.rowsPerSecond));
  const loaded = runs.flatMap((r) => (r.oltp === null ? [] : [r.oltp]));
  return {
    runs,
    medianSeconds: median(runs.map((r) => r.seconds)),
    rowsPerSecond,
    ratioVsSingleUpdate: ratioTo(rowsPerSecond, references.singleUpdate),
    ratioVsKeyset: ratioTo(rowsPerSecond, references.keyset),
    ratioVsKeysetSameJob: ratioTo(rowsPerSecond, references.keysetSameJob),
    walBytes: median(runs.map((r) => r.walBytes)),
    peakRssBytes: peakRssOf(runs),
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
            baselineP50Ms: median(loaded.map((o) => o.baseline.p50Ms)),
            baselineP99Ms: median(loaded.map((o) => o.baseline.p99Ms)),
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

/** The runs of one approach at the bench's rows and at 4× them. */
export interface SizedRuns {
  readonly base: readonly RunRecord[];
  readonly scaled: readonly RunRecord[];
}

export function summarizeScaling(online: SizedRuns, singleUpdate: SizedRuns = { base: [], scaled: [] }): ScalingSummary | null {
  const { base, scaled } = online;
  const first = base[0];
  const firstScaled = scaled[0];
  if (first === undefined || firstScaled === undefined) return null;
  const seconds = median(base.map((r) => r.seconds));
  const scaledSeconds = median(scaled.map((r) => r.seconds));
  const peakRssBytes = peakRssOf(base);
  const scaledPeakRssBytes = peakRssOf(scaled);
  const referenceSeconds = medianOf(singleUpdate.base.map((r) => r.seconds));
  const referenceScaledSeconds = medianOf(singleUpdate.scaled.map((r) => r.seconds));
  return {
    rows: first.rows,
    scaledRows: firstScaled.rows,
    seconds,
    scaledSeconds,
    timeRatio: scaledSeconds / seconds,
    target: scalingTarget,
    peakRssBytes,
    scaledPeakRssBytes,
    rssRatio: peakRssBytes === null || scaledPeakRssBytes === null ? null : scaledPeakRssBytes / peakRssBytes,
    rssTarget: rssScalingTarget,
    checkpoints: median(base.map((r) => r.checkpoints)),
    scaledCheckpoints: median(scaled.map((r) => r.checkpoints)),
    reference:
      referenceSeconds === null || referenceScaledSeconds === null
        ? null
        : { seconds: referenceSeconds, scaledSeconds: referenceScaledSeconds, timeRatio: referenceScaledSeconds / referenceSeconds },
    scaledRuns: scaled,
  };
}

export function summarizeSkew(
  skewed: readonly RunRecord[],
  uniform: readonly RunRecord[],
  skewedSingle: readonly RunRecord[],
  uniformSingle: readonly RunRecord[],
): SkewSummary | null {
  if (skewed.length === 0 || uniform.length === 0) return null;
  const rate = (runs: readonly RunRecord[]): number | null => (runs.length === 0 ? null : median(runs.map((r) => r.rowsPerSecond)));
  const skewedRowsPerSecond = median(skewed.map((r) => r.rowsPerSecond));
  const uniformRowsPerSecond = median(uniform.map((r) => r.rowsPerSecond));
  const skewedSingleRowsPerSecond = rate(skewedSingle);
  const uniformSingleRowsPerSecond = rate(uniformSingle);
  const speedupRatio =
    skewedSingleRowsPerSecond === null || uniformSingleRowsPerSecond === null
      ? null
      : skewedRowsPerSecond / skewedSingleRowsPerSecond / (uniformRowsPerSecond / uniformSingleRowsPerSecond);
  return {
    skewedRowsPerSecond,
    uniformRowsPerSecond,
    ratio: skewedRowsPerSecond / uniformRowsPerSecond,
    target: skewTarget,
    skewedSingleRowsPerSecond,
    uniformSingleRowsPerSecond,
    speedupRatio,
  };
}

export function summarizeCeiling(
  labels: Pick<CeilingSummary, 'onlineLabel' | 'offlineLabel'>,
  runs: readonly CeilingRecord[],
): CeilingSummary | null {
  const offline = runs.filter((r) => r.way === 'offline');
  const online = runs.filter((r) => r.way === 'online');
  const first = runs[0];
  if (first === undefined || offline.length === 0 || online.length === 0) return null;
  const offlineSeconds = median(offline.map((r) => r.seconds));
  const onlineSeconds = median(online.map((r) => r.seconds));
  return {
    operation: first.operation,
    ...labels,
    offlineSeconds,
    onlineSeconds,
    timeRatio: onlineSeconds / offlineSeconds,
    offlineWalBytes: median(offline.map((r) => r.walBytes)),
    onlineWalBytes: median(online.map((r) => r.walBytes)),
    onlinePeakRssBytes: peakRssOf(online),
    runs,
  };
}

export function runsOf(records: readonly RunRecord[], approach: string, mode: BenchMode): RunRecord[] {
  return records.filter((r) => r.approach === approach && r.mode === mode);
}
