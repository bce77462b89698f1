// A backfill's duration and WAL, calibrated on the real table: the planned UPDATE (or, when it cannot
// run before expand, a stand-in that rewrites the same rows) over a few sample key ranges of ~200 rows,
// under EXPLAIN (ANALYZE, WAL) in a transaction that is always rolled back: server-timed, and its WAL
// counted per statement (WAL is written even when rolled back; other sessions' WAL is not counted).
// It takes ROW EXCLUSIVE, as any writer does, and row locks on the ~600 rows for milliseconds; the
// rolled-back row versions are dead tuples VACUUM removes. Short statement and lock timeouts bound it.
import type { Sql, TransactionSql } from '../db/connect.js';

type Conn = Sql | TransactionSql;
import { backfillPass, type BackfillTask } from '../plan/plan.js';
import { quoteIdent, quoteQualified } from '../sql-text/quote.js';
import { explainAnalyze, type ExplainRoot } from './read-rate.js';

export interface BackfillCalibration {
  /** Seconds and WAL bytes per row of the table (rows that need no work included: they are read). */
  readonly secondsPerRow: number;
  readonly walBytesPerRow: number;
  /** The share of sampled rows that needed work. */
  readonly needsWorkShare: number;
  readonly sampledRows: number;
  readonly method: string;
}

const rangeRows = 200;
const seeds = [11, 47, 83] as const;

interface Range {
  readonly from: readonly string[];
  readonly to: readonly string[];
}

function keySql(task: BackfillTask) {
  const names = task.key.map((k) => quoteIdent(k.name));
  const list = names.join(', ');
  const tuple = names.length === 1 ? list : `(${list})`;
  const params = (from: number): string => {
    const ps = task.key.map((k, i) => `$${from + i}::text::${k.type}`);
    return ps.length === 1 ? (ps[0] ?? '') : `(${ps.join(', ')})`;
  };
  return {
    list,
    asText: names.map((n, i) => `${n}::text as k${i}`).join(', '),
    inRange: `${tuple} >= ${params(1)} and ${tuple} <= ${params(task.key.length + 1)}`,
  };
}

const values = (row: Record<string, unknown> | undefined, width: number): string[] | undefined =>
  row === undefined ? undefined : Array.from({ length: width }, (_, i) => String(row[`k${i}`]));

async function sampleRange(tx: Conn, task: BackfillTask, rows: number, seed: number): Promise<Range | undefined> {
  const t = quoteQualified(task.table);
  const k = keySql(task);
  const percent = Math.min(100, (2000 / Math.max(rows, 1)) * 100);
  const [start] = await tx.unsafe<Record<string, unknown>[]>(
    `select ${k.asText} from ${t} tablesample system (${percent.toFixed(4)}) repeatable (${seed}) limit 1`,
  );
  const from = values(start, task.key.length);
  if (from === undefined) return undefined;
  const tuple = task.key.length === 1 ? k.list : `(${k.list})`;
  const first = task.key.map((c, i) => `$${i + 1}::text::${c.type}`);
  const [end] = await tx.unsafe<Record<string, unknown>[]>(
    `select ${k.asText} from ${t} where ${tuple} >= ${first.length === 1 ? first[0] : `(${first.join(', ')})`} order by ${k.list} offset ${rangeRows - 1} limit 1`,
    from,
  );
  const to = values(end, task.key.length);
  return to === undefined ? undefined : { from, to };
}

/** `"col" = (expr)`: the expression, when the SET list is one assignment. */
function setExpression(set: string): string | undefined {
  return /^"(?:[^"]|"")+" = (\(.*\))$/s.exec(set.trim())?.[1];
}

interface Sampled {
  readonly seconds: number;
  readonly wal: number;
  readonly inRange: number;
  readonly worked: number;
}

async function timeRange(tx: Conn, task: BackfillTask, range: Range, standIn: boolean): Promise<Sampled> {
  const t = quoteQualified(task.table);
  const k = keySql(task);
  const params = [...range.from, ...range.to];
  const [count] = await tx.unsafe<{ n: number }[]>(`select count(*)::int as n from ${t} where ${k.inRange}`, params);
  const inRange = count?.n ?? 0;
  const expression = setExpression(task.set);
  let root: ExplainRoot;
  if (backfillPass(task) === 'verify') {
    root = await explainAnalyze(tx, '', `select ${expression ?? '1'} from ${t} where ${k.inRange}`, params);
    return { seconds: root['Execution Time'] / 1000, wal: 0, inRange, worked: 0 };
  }
  if (standIn) {
    const column = await standInColumn(tx, task);
    const returning = expression === undefined ? '' : ` returning ${expression}`;
    root = await explainAnalyze(tx, 'wal,', `update ${t} set ${column} = ${column} where ${k.inRange}${returning}`, params);
  } else {
    root = await explainAnalyze(tx, 'wal,', `update ${t} set ${task.set} where ${k.inRange} and (${task.needsWork})`, params);
  }
  const worked = root.Plan.Plans?.[0]?.['Actual Rows'] ?? inRange;
  return { seconds: root['Execution Time'] / 1000, wal: root.Plan['WAL Bytes'] ?? 0, inRange, worked };
}

/** A column an UPDATE may set to itself: the first that is neither GENERATED ALWAYS (identity or stored) nor dropped. */
async function standInColumn(tx: Conn, task: BackfillTask): Promise<string> {
  const [row] = await tx<{ name: string }[]>`
    select attname as name from pg_attribute where attrelid = ${quoteQualified(task.table)}::regclass and attnum > 0
      and not attisdropped and attidentity <> 'a' and attgenerated = '' order by attnum limit 1`;
  if (row === undefined) throw new Error(`no column of ${quoteQualified(task.table)} can be updated to itself`);
  return quoteIdent(row.name);
}

/** Runs `work` in a savepoint of the calibration's transaction, always rolled back to. */
async function inSavepoint<T>(conn: Conn, work: () => Promise<T>): Promise<T> {
  await conn`savepoint online_calibration`;
  try {
    return await work();
  } finally {
    await conn`rollback to savepoint online_calibration`;
  }
}

/** Whether the planned UPDATE runs now (false: it names what expand creates), tried in a savepoint. */
async function plannedRuns(tx: Conn, task: BackfillTask, range: Range): Promise<boolean> {
  try {
    await inSavepoint(tx, () => timeRange(tx, task, range, false));
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('42')) return false;
    throw error;
  }
}

/**
 * A sample that met a writer's row lock past lock_timeout, or the statement timeout, is skipped. Each
 * is rolled back at once: sample ranges may overlap, and a later one must not find rows an earlier one
 * already wrote (they would count as needing no work); its row locks go with it.
 */
async function skippedWhenBusy(tx: Conn, sample: () => Promise<Sampled>): Promise<Sampled | undefined> {
  try {
    return await inSavepoint(tx, sample);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === '55P03' || code === '57014') return undefined;
    throw error;
  }
}

/**
 * Undefined when no sample range could be found (an empty table). `conn` must be one connection (a
 * reserved one): the calibration is its own transaction, begun and always rolled back here.
 */
export async function calibrateBackfill(conn: Sql, task: BackfillTask, rows: number): Promise<BackfillCalibration | undefined> {
  await conn`begin`;
  try {
    return await calibrateIn(conn, task, rows);
  } finally {
    await conn`rollback`;
  }
}

async function calibrateIn(tx: Conn, task: BackfillTask, rows: number): Promise<BackfillCalibration | undefined> {
  {
    await tx`set local statement_timeout = '5s'`;
    await tx`set local lock_timeout = '100ms'`;
    if (task.searchPath !== undefined) await tx`select set_config('search_path', ${task.searchPath.map(quoteIdent).join(', ')}, true)`;
    const ranges: Range[] = [];
    for (const seed of seeds) {
      const range = await sampleRange(tx, task, rows, seed);
      if (range !== undefined) ranges.push(range);
    }
    const firstRange = ranges[0];
    if (firstRange === undefined) return undefined;
    const verify = backfillPass(task) === 'verify';
    const standIn = !verify && !(await plannedRuns(tx, task, firstRange));
    const samples: Sampled[] = [];
    for (const range of ranges) {
      const sampled = await skippedWhenBusy(tx, () => timeRange(tx, task, range, standIn));
      if (sampled !== undefined) samples.push(sampled);
    }
    if (samples.length === 0) return undefined;
    const total = samples.reduce((a, s) => ({
      seconds: a.seconds + s.seconds,
      wal: a.wal + s.wal,
      inRange: a.inRange + s.inRange,
      worked: a.worked + s.worked,
    }));
    const perRow = Math.max(total.inRange, 1);
    const what = verify
      ? 'a read of the SET expression over'
      : standIn
        ? 'a stand-in UPDATE (setting a column to itself, returning the SET expression: the planned one names what expand creates) over'
        : 'the planned UPDATE over';
    return {
      secondsPerRow: total.seconds / perRow,
      walBytesPerRow: total.wal / perRow,
      needsWorkShare: verify || standIn ? (verify ? 0 : 1) : total.worked / perRow,
      sampledRows: total.inRange,
      method: `calibrated: ${what} ${samples.length} sample key ranges (${total.inRange} rows), rolled back, EXPLAIN (ANALYZE, WAL); at concurrency 1, without per-batch commits or throttling`,
    };
  }
}
