// One batch of one range, keyset or ctid: the UPDATE and its cursor advance run as one statement on
// the range's reserved connection, and the statement reports its own server-side time.
import type { Sql } from '../../src/db/connect.js';
import { ctidUpdate, sameRelationFile } from './ctid-sql.js';
import { TableRewrittenError } from '../../src/errors/index.js';
import { displayName, quoteQualified } from '../../src/sql-text/quote.js';
import { keysetQueries, keyValues } from './keyset-sql.js';
import type { BackfillTask } from '../../src/plan/plan.js';
import { batchWithCursorAdvance } from './backfill-cursors.js';
import type { StateStore } from '../../src/state/state-store.js';

export interface BatchOutcome {
  /** Rows the UPDATE changed. */
  readonly rows: number;
  /** Rows the batch covered (what its size is measured in). */
  readonly covered: number;
  /** The UPDATE's execution time on the server. */
  readonly serverMs: number;
  readonly position: readonly string[];
  readonly last: boolean;
}

export interface RangeBatches {
  /** The search_path the task's expressions need on the batches' connection (the task's, from pre-flight). */
  readonly searchPath: readonly string[] | undefined;
  /** Runs the batch after `position` (null: the range start) of about `size` rows. */
  run(conn: Sql, position: readonly string[] | null, size: number, rowsPerSecond: number): Promise<BatchOutcome>;
}

export interface RangeIdentity {
  readonly store: StateStore;
  readonly migration: string;
  readonly task: BackfillTask;
  readonly rangeIndex: number;
  /** The range's inclusive upper key (or page after its last) now: a split lowers it between batches. */
  readonly upper: () => readonly string[];
}

/** Keyset: read the key `size` rows on through the index, then update up to it (two round trips). */
export function keysetBatches(r: RangeIdentity): RangeBatches {
  const q = keysetQueries(r.task);
  const width = r.task.key.length;
  const firstUpdate = batchWithCursorAdvance(r.store, q.firstUpdate, width + 1);
  const nextUpdate = batchWithCursorAdvance(r.store, q.nextUpdate, 2 * width + 1);
  return {
    searchPath: r.task.searchPath,
    async run(conn, position, size, rowsPerSecond) {
      const offset = Math.max(0, size - 1);
      const upper = r.upper();
      const [boundary] =
        position === null
          ? await conn.unsafe<Record<string, unknown>[]>(q.firstBoundary, [...upper, offset])
          : await conn.unsafe<Record<string, unknown>[]>(q.nextBoundary, [...position, ...upper, offset]);
      const to = boundary === undefined ? [...upper] : keyValues(boundary, width);
      const last = boundary === undefined || to.every((v, i) => v === upper[i]);
      const cursor = [JSON.stringify(to), last, size, r.migration, r.task.id, r.rangeIndex, rowsPerSecond];
      const [result] =
        position === null
          ? await conn.unsafe<{ rows: number; ms: number }[]>(firstUpdate, [...to, ...cursor])
          : await conn.unsafe<{ rows: number; ms: number }[]>(nextUpdate, [...position, ...to, ...cursor]);
      return { rows: result?.rows ?? 0, covered: size, serverMs: result?.ms ?? 0, position: to, last };
    },
  };
}

/**
 * ctid: update the next pages of the range through a TID range scan (one round trip). A batch that finds
 * the table in another relation file than `relationFile` changes nothing and throws TableRewrittenError.
 */
export function ctidBatches(r: RangeIdentity, rowsPerPage: number, relationFile: number): RangeBatches {
  const update = batchWithCursorAdvance(r.store, ctidUpdate(r.task), 5, sameRelationFile(3, 4));
  const table = quoteQualified(r.task.table);
  return {
    searchPath: r.task.searchPath,
    async run(conn, position, size, rowsPerSecond) {
      const upperPage = Number(r.upper()[0]);
      const from = Number(position?.[0] ?? 0);
      const pages = Math.max(1, Math.round(size / rowsPerPage));
      const to = Math.min(upperPage, from + pages);
      const last = to >= upperPage;
      const cursor = [JSON.stringify([String(to)]), last, size, r.migration, r.task.id, r.rangeIndex, rowsPerSecond];
      const [result] = await conn.unsafe<{ rows: number; ms: number }[]>(update, [from, to, table, relationFile, ...cursor]);
      if (result === undefined) throw new TableRewrittenError(displayName(r.task.table), r.task.id);
      return {
        rows: result.rows,
        covered: Math.round((to - from) * rowsPerPage),
        serverMs: result.ms,
        position: [String(to)],
        last,
      };
    },
  };
}
