// How long an index build takes and how big the index gets, before it is built. Size: rows × (the
// key's average width + 12 bytes of tuple header and line pointer, aligned to 8) / 0.9 (B-tree leaf
// fill factor). Time: a sample of the table sorted on the index's columns under EXPLAIN ANALYZE,
// scaled n·log n to the whole table; a concurrent build scans the table a second time to validate.
// Expression columns fall back to reading the table (the calibrated read rate) three times over.
import type { IndexStmt } from 'libpg-query';
import type { Sql } from '../db/connect.js';
import { quoteIdent, quoteQualified } from '../sql-text/quote.js';
import { explainAnalyze, type ReadRate } from './read-rate.js';
import { rowsOf, type TableFigures } from './relation-figures.js';

export interface IndexBuildEstimate {
  readonly seconds: number;
  readonly indexBytes: number;
  readonly method: string;
}

const sampleRows = 20000;
const perTupleOverhead = 12;
const leafFill = 0.9;

/** The plain column names of the index, or undefined when any is an expression. */
function indexColumns(stmt: IndexStmt): string[] | undefined {
  const names: string[] = [];
  for (const param of stmt.indexParams ?? []) {
    if (!('IndexElem' in param) || param.IndexElem.name === undefined) return undefined;
    names.push(param.IndexElem.name);
  }
  return names.length === 0 ? undefined : names;
}

async function averageWidth(sql: Sql, figures: TableFigures, columns: readonly string[] | undefined): Promise<number> {
  if (columns === undefined) return 8;
  const rows = await sql<{ width: number }[]>`
    select coalesce(sum(avg_width), 0)::float8 as width from pg_stats
    where schemaname = ${figures.table.schema} and tablename = ${figures.table.name} and attname in ${sql(columns)}`;
  const width = rows[0]?.width ?? 0;
  return width > 0 ? width : 8 * columns.length;
}

export async function estimateIndexBuild(
  sql: Sql,
  stmt: IndexStmt,
  figures: TableFigures,
  read: ReadRate,
  calibrate: boolean,
): Promise<IndexBuildEstimate> {
  const rows = rowsOf(figures);
  const columns = indexColumns(stmt);
  const width = await averageWidth(sql, figures, columns);
  const indexBytes = Math.round((rows * (Math.ceil((width + perTupleOverhead) / 8) * 8)) / leafFill);
  const readSeconds = figures.tableBytes / read.bytesPerSecond;
  const concurrent = stmt.concurrent === true;
  const validate = concurrent ? readSeconds : 0;
  const partial = stmt.whereClause === undefined ? '' : '; partial index sized as if full (an upper bound)';
  const sizeMethod = `size: ${Math.round(rows)} rows × ${width.toFixed(0)}-byte key (pg_stats) + ${perTupleOverhead} bytes, /${leafFill}${partial}`;
  if (!calibrate || columns === undefined || rows < sampleRows * 2) {
    return {
      seconds: readSeconds * 3 + validate,
      indexBytes,
      method: `${sizeMethod}; time: 3 reads of the table (${read.method})${concurrent ? ' + 1 validation scan' : ''}`,
    };
  }
  const list = columns.map(quoteIdent).join(', ');
  const percent = Math.min(100, (sampleRows / rows) * 100);
  const root = await explainAnalyze(
    sql,
    '',
    `select ${list} from ${quoteQualified(figures.table)} tablesample system (${percent.toFixed(4)}) repeatable (17) order by ${list}`,
  );
  const n = root.Plan['Actual Rows'] ?? 0;
  const sampleSeconds = root['Execution Time'] / 1000;
  if (n < 100)
    return { seconds: readSeconds * 3 + validate, indexBytes, method: `${sizeMethod}; time: 3 reads of the table (${read.method})` };
  const seconds = sampleSeconds * (rows / n) * (Math.log2(rows) / Math.log2(n)) + validate;
  return {
    seconds,
    indexBytes,
    method: `${sizeMethod}; time: a sorted sample of ${n} rows (EXPLAIN ANALYZE) scaled n·log n${concurrent ? ` + 1 validation scan (${read.method})` : ''}`,
  };
}
