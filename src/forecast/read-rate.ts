// How fast this server reads a table's pages, calibrated: a TABLESAMPLE SYSTEM scan of up to a
// couple thousand of its pages under EXPLAIN ANALYZE (server-timed, TIMING OFF), bytes over seconds.
// A small table is not worth it: an assumed rate, said so.
import type { Sql, TransactionSql } from '../db/connect.js';
import { quoteQualified } from '../sql-text/quote.js';
import type { TableFigures } from './relation-figures.js';

export interface ReadRate {
  readonly bytesPerSecond: number;
  readonly method: string;
}

/** Used when a table is too small to time (or calibration is off): a cached sequential read on modest hardware. */
export const assumedReadRate: ReadRate = { bytesPerSecond: 200 * 1024 ** 2, method: 'assumed 200 MiB/s read' };
const samplePages = 2000;
const minimumPages = 256;

export interface ExplainRoot {
  readonly Plan: {
    readonly 'Actual Rows'?: number;
    readonly 'Shared Hit Blocks'?: number;
    readonly 'Shared Read Blocks'?: number;
    readonly 'WAL Bytes'?: number;
    readonly Plans?: readonly ExplainRoot['Plan'][];
  };
  readonly 'Execution Time': number;
}

/** EXPLAIN (ANALYZE, …, FORMAT JSON) of `statement`, the root of its one plan. */
export async function explainAnalyze(
  sql: Sql | TransactionSql,
  options: string,
  statement: string,
  params: readonly string[] = [],
): Promise<ExplainRoot> {
  const rows = await sql.unsafe<{ 'QUERY PLAN': ExplainRoot[] }[]>(`explain (analyze, timing off, ${options} format json) ${statement}`, [
    ...params,
  ]);
  const root = rows[0]?.['QUERY PLAN'][0];
  if (root === undefined) throw new Error('EXPLAIN returned no plan');
  return root;
}

export async function calibrateReadRate(sql: Sql, figures: TableFigures): Promise<ReadRate> {
  if (figures.pages < minimumPages) return assumedReadRate;
  const percent = Math.min(100, (samplePages / figures.pages) * 100);
  const root = await explainAnalyze(
    sql,
    'buffers,',
    `select count(*) from ${quoteQualified(figures.table)} tablesample system (${percent.toFixed(4)}) repeatable (17)`,
  );
  const blocks = sumBlocks(root.Plan);
  const seconds = root['Execution Time'] / 1000;
  if (blocks === 0 || seconds <= 0) return assumedReadRate;
  return {
    bytesPerSecond: (blocks * 8192) / seconds,
    method: `read rate timed on ${blocks} sampled pages (TABLESAMPLE SYSTEM, EXPLAIN ANALYZE)`,
  };
}

function sumBlocks(plan: ExplainRoot['Plan']): number {
  const own = (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
  return Math.max(own, ...(plan.Plans ?? []).map(sumBlocks));
}
