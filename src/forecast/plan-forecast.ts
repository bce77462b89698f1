// `online plan <file>` against a live database: the forecast of every step and backfill task of a
// plan (see forecast-types.ts). Catalog reads plus, unless `calibrate` is off, a few timed samples:
// a read-rate scan per table, a sorted sample per index build, and a backfill's planned UPDATE on a
// few key ranges in a rolled-back transaction. Nothing is changed.
import { sqlState, type Sql } from '../db/connect.js';
import { estimateRows } from '../catalog/row-estimate.js';
import type { BackfillTask, OperationPlan } from '../plan/plan.js';
import { displayName } from '../sql-text/quote.js';
import { calibrateBackfill } from './backfill-calibration.js';
import { calibrationEffects } from './calibration-effects.js';
import type { PlanForecast, StepForecast, TaskForecast } from './forecast-types.js';
import { forecastStep, stepContext } from './step-forecast.js';

export type { PlanForecast, StepForecast, TaskForecast, Estimate, TableLockForecast } from './forecast-types.js';

/** Below this many rows a backfill is not worth calibrating: an assumed rate, said so. */
export const calibrationMinimumRows = 5000;
/** Assumed when not calibrated: about what one connection's batches reach on modest hardware. */
const assumedRowsPerSecond = 50000;
const assumedWalPerRow = 150;

async function forecastTask(sql: Sql, task: BackfillTask, calibrate: boolean): Promise<TaskForecast> {
  const rows = await estimateRows(sql, task.table);
  const table = displayName(task.table);
  let why = !calibrate
    ? 'calibration off'
    : rows < calibrationMinimumRows
      ? `a small table (${rows} rows)`
      : task.key.length === 0
        ? 'no key to sample ranges by'
        : await calibrationEffects(sql, task);
  const calibration = why === undefined ? await calibrateBackfill(sql, task, rows).catch(unlessReadOnly) : undefined;
  if (calibration === null) why = 'the session is read-only (a standby, or default_transaction_read_only): the UPDATE cannot be tried';
  if (calibration === undefined || calibration === null) {
    return {
      id: task.id,
      table,
      rows,
      rowsNeedingWork: rows,
      calibrated: false,
      estimate: {
        seconds: rows / assumedRowsPerSecond,
        walBytes: rows * assumedWalPerRow,
        method: `not calibrated (${why ?? 'no sample range found'}): every row at an assumed ${assumedRowsPerSecond} rows/s and ${assumedWalPerRow} bytes of WAL per row`,
      },
    };
  }
  return {
    id: task.id,
    table,
    rows,
    rowsNeedingWork: Math.round(rows * calibration.needsWorkShare),
    calibrated: true,
    estimate: { seconds: rows * calibration.secondsPerRow, walBytes: rows * calibration.walBytesPerRow, method: calibration.method },
  };
}

/** Null for a calibration a read-only session refused (25006): the backfill is still forecast, uncalibrated. */
function unlessReadOnly(error: unknown): null {
  if (sqlState(error) === '25006') return null;
  throw error;
}

export interface ForecastOptions {
  /** False: catalog figures and assumed rates only, no timed samples. */
  readonly calibrate?: boolean;
}

/** A forecast never queues behind a lock (catalog size functions take ACCESS SHARE): it fails instead. */
const forecastLockTimeout = '200ms';
const forecastStatementTimeout = '30s';

/**
 * The forecast of `plan`, on a connection of its own whose lock and statement timeouts keep it from
 * ever waiting behind a strong lock held elsewhere: a lock timeout fails the forecast, not the caller.
 */
export async function forecastPlan(sql: Sql, plan: OperationPlan, options: ForecastOptions = {}): Promise<PlanForecast> {
  const reserved = await sql.reserve();
  try {
    await reserved.unsafe(`set lock_timeout = '${forecastLockTimeout}'`);
    await reserved.unsafe(`set statement_timeout = '${forecastStatementTimeout}'`);
    return await forecastOn(reserved, plan, options);
  } finally {
    await reserved.unsafe('reset lock_timeout').catch(() => undefined);
    await reserved.unsafe('reset statement_timeout').catch(() => undefined);
    reserved.release();
  }
}

async function forecastOn(sql: Sql, plan: OperationPlan, options: ForecastOptions): Promise<PlanForecast> {
  const calibrate = options.calibrate !== false;
  const context = stepContext(sql, calibrate);
  const steps = async (list: OperationPlan['expand']): Promise<StepForecast[]> => {
    const out: StepForecast[] = [];
    for (const step of list) out.push(await forecastStep(context, step));
    return out;
  };
  const expand = await steps(plan.expand);
  const backfill: TaskForecast[] = [];
  for (const task of plan.backfill) backfill.push(await forecastTask(sql, task, calibrate));
  const contract = await steps(plan.contract);
  const rollback = await steps(plan.rollback);
  const run = [...expand, ...contract];
  return {
    expand,
    backfill,
    contract,
    rollback,
    totals: {
      seconds: [...run.map((s) => s.estimate), ...backfill.map((t) => t.estimate)].reduce((a, e) => a + e.seconds, 0),
      walBytes: [...run.map((s) => s.estimate), ...backfill.map((t) => t.estimate)].reduce((a, e) => a + e.walBytes, 0),
      newIndexBytes: run.reduce((a, s) => a + s.newIndexBytes, 0),
    },
  };
}
