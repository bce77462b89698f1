// One measured run: a fresh table, then (under load) the OLTP traffic, its no-migration baseline and
// the lock-wait sampler, then the approach's fill with the WAL it wrote, then the exact checks of what
// it wrote.
import type postgres from 'postgres';
import type { Approach, BatchRateTrend, FillInput, FillResult } from './approaches/approach.js';
import { epochMs, sleep, type TimeWindow } from './bench-clock.js';
import { checkpointCount } from './checkpoint-count.js';
import { assertFilled, assertRowCount, benchSchema, benchTable, seedFreshTickets } from './bench-table.js';
import { latencyStats, type LatencyStats } from './latency-stats.js';
import { longestWaitIn, startLockWaitSampler, waitsIn } from './lock-wait-sampler.js';
import { startOltpLoad } from './oltp-load.js';

export type BenchMode = 'idle' | 'load';

export interface RunSettings {
  readonly databaseUrl: string;
  readonly offsetBudgetSeconds: number;
  readonly baselineSeconds: number;
  readonly oltpConnections: number;
  readonly thinkMs: number;
}

export interface OltpDuringRun {
  /** The same load on the same fresh table with no migration, just before the fill. */
  readonly baseline: LatencyStats;
  readonly fill: LatencyStats;
  readonly p99VsBaseline: number;
  readonly baselineLockWaitMaxMs: number;
  /** The longest lock wait of a writer that overlapped the fill. */
  readonly fillLockWaitMaxMs: number;
  readonly fillLockWaits: number;
  /** Over the approach's whole run, its untimed DDL included. */
  readonly runLockWaitMaxMs: number;
}

export interface RunRecord {
  readonly approach: string;
  readonly mode: BenchMode;
  readonly round: number;
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly rowsFilled: number;
  readonly complete: boolean;
  readonly settledBatchSize: number | null;
  readonly trend: BatchRateTrend | null;
  readonly oltp: OltpDuringRun | null;
  /** WAL written from just before the fill to just after it (under load, the load's own WAL too). */
  readonly walBytes: number;
  /** Checkpoints the server started over the same span (timed or requested). */
  readonly checkpoints: number;
  /** The online CLI's peak resident set, bytes; null for SQL run from the bench. */
  readonly peakRssBytes: number | null;
}

export const oltpApplicationName = 'bench-oltp';
const warmUpMs = 1_000;

export async function runOnce(
  sql: postgres.Sql,
  approach: Approach,
  mode: BenchMode,
  rows: number,
  round: number,
  s: RunSettings,
): Promise<RunRecord> {
  if (mode === 'load' && approach.idleOnly !== undefined) throw new Error(`${approach.label} runs idle only: ${approach.idleOnly}`);
  await seedFreshTickets(sql, rows, approach.table);
  const input: FillInput = { sql, databaseUrl: s.databaseUrl, rows, budgetMs: s.offsetBudgetSeconds * 1000 };
  const { fill, walBytes, checkpoints, oltp } =
    mode === 'idle' ? { ...(await fillWithWal(approach, input)), oltp: null } : await fillUnderLoad(approach, input, s);
  // Idle, nothing but the fill writes, so its own count must be exact; under load a trigger may fill some rows first.
  const exactCount = mode === 'idle' || !approach.triggerFills;
  if (fill.complete && exactCount && fill.rowsFilled !== rows)
    throw new Error(`${approach.label} counted ${fill.rowsFilled} rows, expected ${rows}`);
  await assertRowCount(sql, rows);
  await assertFilled(sql, fill.complete ? rows : fill.rowsFilled);
  const seconds = (fill.window.to - fill.window.from) / 1000;
  return {
    approach: approach.id,
    mode,
    round,
    rows,
    seconds,
    rowsPerSecond: (fill.complete ? rows : fill.rowsFilled) / seconds,
    rowsFilled: fill.rowsFilled,
    complete: fill.complete,
    settledBatchSize: fill.settledBatchSize,
    trend: fill.trend,
    oltp,
    walBytes,
    checkpoints,
    peakRssBytes: fill.peakRssBytes,
  };
}

/** The server's current WAL insert position (an LSN, as text). */
export async function walPosition(sql: postgres.Sql): Promise<string> {
  const [row] = await sql.unsafe<{ lsn: string }[]>('select pg_current_wal_lsn()::text as lsn');
  if (row === undefined) throw new Error('pg_current_wal_lsn() returned no row');
  return row.lsn;
}

/** Bytes of WAL written since `from` (pg_wal_lsn_diff). */
export async function walSince(sql: postgres.Sql, from: string): Promise<number> {
  const [row] = await sql.unsafe<{ bytes: string }[]>('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint::text as bytes', [
    from,
  ]);
  return Number(row?.bytes ?? 0);
}

interface MeasuredFill {
  readonly fill: FillResult;
  readonly walBytes: number;
  readonly checkpoints: number;
}

async function fillWithWal(approach: Approach, input: FillInput): Promise<MeasuredFill> {
  const checkpointsBefore = await checkpointCount(input.sql);
  const from = await walPosition(input.sql);
  const fill = await approach.fill(input);
  const walBytes = await walSince(input.sql, from);
  return { fill, walBytes, checkpoints: (await checkpointCount(input.sql)) - checkpointsBefore };
}

async function fillUnderLoad(approach: Approach, input: FillInput, s: RunSettings): Promise<MeasuredFill & { oltp: OltpDuringRun }> {
  const load = await startOltpLoad({
    databaseUrl: s.databaseUrl,
    schema: benchSchema,
    table: benchTable,
    rows: input.rows,
    connections: s.oltpConnections,
    thinkMs: s.thinkMs,
    writeShare: 0.5,
    applicationName: oltpApplicationName,
  });
  const sampler = startLockWaitSampler(s.databaseUrl, oltpApplicationName);
  const baselineFrom = epochMs() + warmUpMs;
  const baseline: TimeWindow = { from: baselineFrom, to: baselineFrom + s.baselineSeconds * 1000 };
  let measured: MeasuredFill;
  let run: TimeWindow;
  try {
    await sleep(baseline.to - epochMs());
    const from = epochMs();
    measured = await fillWithWal(approach, input);
    run = { from, to: epochMs() };
  } catch (error) {
    await Promise.allSettled([load.stop(), sampler.stop()]);
    throw error;
  }
  const [samples, waits] = await Promise.all([load.stop(), sampler.stop()]);
  const { fill } = measured;
  const fillStats = latencyStats(samples, fill.window);
  const baselineStats = latencyStats(samples, baseline);
  return {
    ...measured,
    oltp: {
      baseline: baselineStats,
      fill: fillStats,
      p99VsBaseline: baselineStats.p99Ms > 0 ? fillStats.p99Ms / baselineStats.p99Ms : 0,
      baselineLockWaitMaxMs: longestWaitIn(waits, baseline),
      fillLockWaitMaxMs: longestWaitIn(waits, fill.window),
      fillLockWaits: waitsIn(waits, fill.window),
      runLockWaitMaxMs: longestWaitIn(waits, run),
    },
  };
}
