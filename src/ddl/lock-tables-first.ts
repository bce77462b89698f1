// The opening statements of a step that locks two or more tables: one `LOCK TABLE` per table, in the
// strongest mode the step needs there, in the order given. The lock runner (src/db/locked-ddl.ts) lets
// only the first of them wait the full lock_timeout and every later wait only briefly, so a writer
// holding one of our tables can never deadlock with us; taking each table's final mode up front means
// no statement of the step upgrades a lock mid-transaction (a classic deadlock of its own).
import { strongerMode, type LockMode } from '../db/lock-modes.js';
import { quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { partitionLocksFirst } from './partition-locks.js';

export interface TableLock {
  readonly table: QualifiedName;
  readonly mode: LockMode;
  /** A partitioned table's partitions: the table and each of them are locked alone (partition-locks.ts). */
  readonly partitions?: readonly QualifiedName[];
}

/**
 * `lock table … in … mode` per distinct table, first mention first, modes merged; none when the
 * tables are fewer than `atLeast` (a step on one table takes its one lock in its own statement).
 * A step whose statement also locks a table that cannot be named here (one it drops `if exists`)
 * passes `atLeast` 1.
 */
export function lockTablesFirst(locks: readonly TableLock[], atLeast = 2): string[] {
  const modes = new Map<string, { readonly lock: TableLock; mode: LockMode }>();
  for (const lock of locks) {
    const key = quoteQualified(lock.table);
    const had = modes.get(key);
    modes.set(key, { lock, mode: had === undefined ? lock.mode : strongerMode(had.mode, lock.mode) });
  }
  const partitioned = locks.some((l) => (l.partitions?.length ?? 0) > 0);
  if (modes.size < atLeast && !partitioned) return [];
  return [...modes].flatMap(([table, { lock, mode }]) =>
    (lock.partitions?.length ?? 0) > 0
      ? partitionLocksFirst(lock.table, lock.partitions ?? [], mode)
      : [`lock table ${table} in ${mode} mode`],
  );
}
