// The forecast of one planned step: the analyzer over its statements (leading LOCK TABLEs included),
// resolved against the catalog to tables and their sizes, and what its scans, rewrites and index
// builds should cost on this server.
import type { Node } from 'libpg-query';
import { strongerMode } from '../db/lock-modes.js';
import type { Sql } from '../db/connect.js';
import type { PlannedStep } from '../plan/plan.js';
import { parseSql } from '../sql-grammar/postgres-parser.js';
import { displayName } from '../sql-text/quote.js';
import type { StepForecast, TableLockForecast, TableSize, WorkForecast } from './forecast-types.js';
import { estimateIndexBuild } from './index-build-estimate.js';
import { assumedReadRate, calibrateReadRate, type ReadRate } from './read-rate.js';
import { relationFigures, rowsOf, type TableFigures } from './relation-figures.js';
import { analyzeTree } from './statement-locks.js';
import { relationText, strongestVerdict, type StatementAnalysis, type Verdict } from './statement-analysis.js';

/** A rewrite reads the table, writes a new copy and rebuilds its indexes: assumed 4× slower than reading it. */
const rewriteSlowdown = 4;
/** What a catalog-only statement costs, for the totals: next to nothing (the lock wait is not forecast). */
const catalogSeconds = 0.001;
/** A step's own round trips: its transaction, lock_timeout, leading locks and ledger record. */
const stepOverheadSeconds = 0.05;

export interface StepContext {
  readonly sql: Sql;
  readonly calibrate: boolean;
  readonly figures: ReturnType<typeof relationFigures>;
  readonly readRate: (figures: TableFigures) => Promise<ReadRate>;
}

export function stepContext(sql: Sql, calibrate: boolean): StepContext {
  const rates = new Map<number, Promise<ReadRate>>();
  return {
    sql,
    calibrate,
    figures: relationFigures(sql),
    readRate: (figures) => {
      if (!calibrate) return Promise.resolve(assumedReadRate);
      let rate = rates.get(figures.oid);
      if (rate === undefined) {
        rate = calibrateReadRate(sql, figures);
        rates.set(figures.oid, rate);
      }
      return rate;
    },
  };
}

const sizeOf = (f: TableFigures): TableSize => ({
  relation: displayName(f.table),
  pages: f.pages,
  rows: rowsOf(f),
  tableBytes: f.tableBytes,
  totalBytes: f.totalBytes,
});

interface StatementCost {
  readonly seconds: number;
  readonly walBytes: number;
  readonly newIndexBytes: number;
  readonly method: string;
}

async function statementCost(
  context: StepContext,
  stmt: Node,
  analysis: StatementAnalysis,
  target: TableFigures | undefined,
): Promise<StatementCost> {
  if (target === undefined) return { seconds: catalogSeconds, walBytes: 0, newIndexBytes: 0, method: 'catalog only' };
  const read = await context.readRate(target);
  if ('IndexStmt' in stmt) {
    const build = await estimateIndexBuild(context.sql, stmt.IndexStmt, target, read, context.calibrate);
    return {
      seconds: build.seconds,
      walBytes: build.indexBytes,
      newIndexBytes: build.indexBytes,
      method: `index build: ${build.method}; WAL ≈ the index size`,
    };
  }
  if (analysis.rewrites.answer === 'yes') {
    return {
      seconds: (target.totalBytes / read.bytesPerSecond) * rewriteSlowdown,
      walBytes: target.totalBytes,
      newIndexBytes: 0,
      method: `rewrite of ${displayName(target.table)}: its total size at ${rewriteSlowdown}× the read time (${read.method}); WAL ≈ its total size`,
    };
  }
  if (analysis.scans.answer === 'yes') {
    return {
      seconds: target.tableBytes / read.bytesPerSecond,
      walBytes: 0,
      newIndexBytes: 0,
      method: `scan of ${displayName(target.table)}: its size at the read rate (${read.method})`,
    };
  }
  return { seconds: catalogSeconds, walBytes: 0, newIndexBytes: 0, method: 'catalog only' };
}

/** The strongest verdict over the statements, with the tables of the statements that reach it (each once). */
function work(verdicts: readonly Verdict[], tables: readonly (TableFigures | undefined)[]): WorkForecast {
  const verdict = strongestVerdict(verdicts);
  const sized = new Map<number, TableSize>();
  for (const [i, v] of verdicts.entries()) {
    const table = tables[i];
    if (v.answer === verdict.answer && verdict.answer !== 'no' && table !== undefined) sized.set(table.oid, sizeOf(table));
  }
  return { ...verdict, tables: [...sized.values()] };
}

export async function forecastStep(context: StepContext, step: PlannedStep): Promise<StepForecast> {
  const locks = new Map<string, { mode: TableLockForecast['mode']; reasons: string[] }>();
  const rewrites: Verdict[] = [];
  const scans: Verdict[] = [];
  const touched: (TableFigures | undefined)[] = [];
  const notes = new Set<string>();
  const methods = new Set<string>();
  let seconds = stepOverheadSeconds;
  let walBytes = 0;
  let newIndexBytes = 0;
  let opaque = false;
  for (const text of step.statements) {
    const parsed = await parseSql(text);
    const stmt = parsed.ok ? parsed.statements[0]?.stmt : undefined;
    if (stmt === undefined) continue;
    const analysis = analyzeTree(stmt);
    opaque ||= analysis.opaque;
    for (const note of analysis.notes) notes.add(note);
    let first: TableFigures | undefined;
    for (const lock of analysis.locks) {
      const figures = await context.figures(lock.relation, lock.target === 'table of index');
      first ??= figures;
      const name =
        figures !== undefined
          ? displayName(figures.table)
          : `${lock.target === 'table of index' ? 'the table of index ' : ''}${relationText(lock.relation)} (not created yet)`;
      const held = locks.get(name);
      locks.set(
        name,
        held === undefined
          ? { mode: lock.mode, reasons: [lock.reason] }
          : { mode: strongerMode(held.mode, lock.mode), reasons: [...new Set([...held.reasons, lock.reason])] },
      );
    }
    rewrites.push(analysis.rewrites);
    scans.push(analysis.scans);
    touched.push(first);
    const cost = await statementCost(context, stmt, analysis, first);
    seconds += cost.seconds;
    walBytes += cost.walBytes;
    newIndexBytes += cost.newIndexBytes;
    if (cost.method !== 'catalog only' || methods.size === 0) methods.add(cost.method);
  }
  if (methods.size > 1) methods.delete('catalog only');
  if (methods.has('catalog only')) {
    methods.delete('catalog only');
    methods.add(`catalog only: ${stepOverheadSeconds * 1000} ms assumed for the step's round trips and record`);
  }
  const long = step.kind === 'concurrent' || seconds > 0.5;
  return {
    description: step.description,
    locks: [...locks].map(([relation, l]) => ({ relation, mode: l.mode, hold: long ? 'long' : 'brief', reasons: l.reasons })),
    rewrites: work(rewrites, touched),
    scans: work(scans, touched),
    opaque,
    newIndexBytes,
    estimate: { seconds, walBytes, method: [...methods].join('; ') },
    notes: [...notes],
  };
}
