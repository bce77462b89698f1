// What every compared way to fill `priority` can do: prepare (untimed DDL), then fill, reporting the
// span of the fill itself and what it did, so the OLTP figures are cut to exactly that span.
import type postgres from 'postgres';
import type { TimeWindow } from '../bench-clock.js';
import type { TableShape } from '../bench-table.js';

export interface FillInput {
  /** Setup connection, search_path on the bench schema; the plain-SQL approaches fill through it. */
  readonly sql: postgres.Sql;
  readonly databaseUrl: string;
  readonly rows: number;
  /** For approaches that may stop early (LIMIT/OFFSET); the others ignore it. */
  readonly budgetMs: number;
}

/** How the rate of an approach moved from its first to its last batches (LIMIT/OFFSET's falls). */
export interface BatchRateTrend {
  readonly batches: number;
  /** rows/s over the first 10% of the completed batches (batch time only). */
  readonly firstTenthRowsPerSecond: number;
  /** rows/s over the last 10% of the completed batches. */
  readonly lastTenthRowsPerSecond: number;
}

export interface FillResult {
  /** From the first batch (or statement) to the last commit, epoch ms. */
  readonly window: TimeWindow;
  /** Rows the fill itself set; the table must then hold exactly this many filled rows, unless triggers also filled some. */
  readonly rowsFilled: number;
  /** False when the approach stopped at its budget. */
  readonly complete: boolean;
  /** The batch size adaptive sizing settled on (median of the last 20 batches); null for fixed-size approaches. */
  readonly settledBatchSize: number | null;
  readonly trend: BatchRateTrend | null;
  /** The peak resident set of the process that ran the fill (the `online` CLI), bytes; null for SQL run from the bench. */
  readonly peakRssBytes: number | null;
}

export interface Approach {
  readonly id: string;
  readonly label: string;
  /** The table it fills: the uniform tickets table, or the skewed one (bench-table.ts). */
  readonly table: TableShape;
  /** Whether writers' own updates also fill rows (a trigger), so rowsFilled may fall short of the table under load. */
  readonly triggerFills: boolean;
  /** Refused under the OLTP load (with the reason), where it could not fill every row correctly. */
  readonly idleOnly?: string;
  fill(input: FillInput): Promise<FillResult>;
}
