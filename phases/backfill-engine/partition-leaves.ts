// The leaf tasks of a planned task whose table is partitioned: one per leaf partition, read from the
// catalog when the backfill runs, so a partition attached since the plan was made is backfilled too.
// Each pages its own leaf (a plain table: by the key, or by ctid page ranges, which a partitioned
// parent has none of), and fires the fill triggers the parent's own cloned onto it.
import { listLeafPartitions } from '../../src/catalog/leaf-partitions.js';
import type { Sql } from '../../src/db/connect.js';
import { MigrationFailedError } from '../../src/errors/index.js';
import { partitionTask } from '../../src/plan/partition-tasks.js';
import type { BackfillTask } from '../../src/plan/plan.js';
import { displayName, quoteQualified } from '../../src/sql-text/quote.js';

/** The task's leaf tasks; undefined when its table is not partitioned (the task runs as planned). */
export async function leafTasksOf(sql: Sql, migration: string, task: BackfillTask): Promise<BackfillTask[] | undefined> {
  const [table] = await sql<{ partitioned: boolean }[]>`
    select relkind = 'p' as partitioned from pg_class where oid = ${quoteQualified(task.table)}::regclass`;
  if (table?.partitioned !== true) return undefined;
  const leaves = await listLeafPartitions(sql, task.table);
  const foreign = leaves.find((leaf) => leaf.kind === 'f');
  if (foreign !== undefined) {
    throw new MigrationFailedError(
      migration,
      'backfill',
      `${displayName(foreign)} is a foreign-table partition of ${displayName(task.table)}: online cannot run batches on a foreign table; detach it, or fill its rows on its own server`,
    );
  }
  return leaves.map((leaf) => partitionTask(task, leaf));
}
