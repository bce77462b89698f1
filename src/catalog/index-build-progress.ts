// Progress of a CREATE INDEX CONCURRENTLY from pg_stat_progress_create_index, including the phases
// where the build waits for older transactions, and which sessions it is waiting for.
import type { Sql } from '../db/connect.js';

export interface IndexBuildProgress {
  /** e.g. `building index: scanning table`, `waiting for old snapshots`. */
  readonly phase: string;
  readonly blocksDone: number;
  readonly blocksTotal: number;
  readonly tuplesDone: number;
  readonly tuplesTotal: number;
  /** Sessions the build waits for right now (old transactions or snapshots). */
  readonly waitingFor: readonly number[];
}

export async function readIndexBuildProgress(sql: Sql, pid: number): Promise<IndexBuildProgress | undefined> {
  const [row] = await sql<(Omit<IndexBuildProgress, 'waitingFor'> & { blockers: number[] | null; locker: number | null })[]>`
    select phase, blocks_done::float8 as "blocksDone", blocks_total::float8 as "blocksTotal",
           tuples_done::float8 as "tuplesDone", tuples_total::float8 as "tuplesTotal",
           nullif(current_locker_pid, 0)::int as locker, pg_blocking_pids(pid) as blockers
    from pg_stat_progress_create_index where pid = ${pid}`;
  if (row === undefined) return undefined;
  const waitingFor = [...new Set([...(row.blockers ?? []), ...(row.locker === null ? [] : [row.locker])])];
  return {
    phase: row.phase,
    blocksDone: row.blocksDone,
    blocksTotal: row.blocksTotal,
    tuplesDone: row.tuplesDone,
    tuplesTotal: row.tuplesTotal,
    waitingFor,
  };
}

/** One line for people: `index x: waiting for old snapshots, waiting for pid 123`. */
export function describeProgress(index: string, p: IndexBuildProgress): string {
  const blocks = p.blocksTotal > 0 ? `, ${Math.floor((100 * p.blocksDone) / p.blocksTotal)}% of blocks` : '';
  const tuples =
    p.tuplesTotal > 0
      ? `, ${Math.round(p.tuplesDone).toLocaleString('en-US')}/${Math.round(p.tuplesTotal).toLocaleString('en-US')} tuples`
      : '';
  const waiting = p.waitingFor.length > 0 ? `, waiting for pid ${p.waitingFor.join(', ')}` : '';
  return `index ${index}: ${p.phase}${blocks}${tuples}${waiting}`;
}
