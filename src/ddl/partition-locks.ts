// The leading locks of a step that takes a strong lock on a partitioned table: the table alone
// (`lock table only`), then each of its partitions alone, parents before their partitions.
//
// Why not let the statement lock them: DROP TRIGGER on a partitioned table opens the table with a weak
// lock, drops the partitions' clones first (ACCESS EXCLUSIVE on each partition) and only then takes the
// table's ACCESS EXCLUSIVE. An application UPDATE through the table holds the table (ROW EXCLUSIVE) and
// locks the partitions one by one: each waits for the other, and PostgreSQL kills one of them with
// `deadlock detected` (seen under writers: the application's statement was the victim). A plain
// `lock table` of a partitioned table locks it and every partition in one statement, with the full
// lock_timeout. Named one by one, they are leading locks (src/db/leading-locks.ts): the first waits the
// full lock_timeout, the others only briefly, within the deadlock timeout, so if an application holds
// a partition while it waits for the table, it is our step that gives up and retries, never the
// application. Once the table itself is ours no application statement through it can start, so the
// partitions' locks come at once unless something uses a partition directly.
import type { LockMode } from '../db/lock-modes.js';
import { quoteQualified, type QualifiedName } from '../sql-text/quote.js';

/** `lock table only …` for the table and each partition; none for a table without partitions. */
export function partitionLocksFirst(
  table: QualifiedName,
  partitions: readonly QualifiedName[],
  mode: LockMode = 'access exclusive',
): string[] {
  if (partitions.length === 0) return [];
  return [table, ...partitions].map((t) => `lock table only ${quoteQualified(t)} in ${mode} mode`);
}

/** Just the names, for a plan: the catalog's partition records carry more than a plan needs to keep. */
export function partitionNames(partitions: readonly QualifiedName[]): QualifiedName[] {
  return partitions.map((p) => ({ schema: p.schema, name: p.name }));
}
