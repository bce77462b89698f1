// A partitioned table's backfill in `status`: its planned task summed over its leaf partitions' tasks,
// with the leaves that have not started yet counted (by the catalog's row estimate) so the percentage
// does not run ahead of the table.
import { leafTasksOf } from '../../phases/backfill-engine/partition-leaves.js';
import { estimateRows } from '../catalog/row-estimate.js';
import type { Sql } from '../db/connect.js';
import { belongsToTask, partitionOfTaskId } from '../plan/partition-tasks.js';
import type { BackfillTask } from '../plan/plan.js';
import type { TaskSummary } from './status.js';

/** One planned task whose table is partitioned, over its leaves. */
export interface PartitionedTaskSummary {
  readonly task: string;
  /** Leaf partitions now, and how many of them are done, running (cursors, unfinished) or not started. */
  readonly partitions: number;
  readonly partitionsDone: number;
  readonly partitionsStarted: number;
  readonly rowsDone: number;
  readonly rowsExpected: number;
  readonly percent: number;
  readonly rowsPerSecond: number;
  readonly etaSeconds: number | null;
  readonly done: boolean;
}

/** The leaf tasks of the planned tasks whose tables are partitioned now (none for a table gone or renamed). */
export async function leafTasksByPlannedTask(
  sql: Sql,
  migration: string,
  tasks: readonly BackfillTask[],
): Promise<Map<string, BackfillTask[]>> {
  const leaves = new Map<string, BackfillTask[]>();
  for (const task of tasks) {
    const found = await leafTasksOf(sql, migration, task).catch(() => undefined);
    if (found !== undefined) leaves.set(task.id, found);
  }
  return leaves;
}

/** Sums each partitioned task's leaf summaries; the leaves without cursors yet count their estimated rows, at 0%. */
export async function summarizePartitions(
  sql: Sql,
  leavesByTask: ReadonlyMap<string, readonly BackfillTask[]>,
  summaries: readonly TaskSummary[],
): Promise<PartitionedTaskSummary[]> {
  const out: PartitionedTaskSummary[] = [];
  for (const [task, leaves] of leavesByTask) {
    const mine = summaries.filter((s) => partitionOfTaskId(s.task) !== undefined && belongsToTask(s.task, task));
    const started = new Set(mine.map((s) => s.task));
    let waitingRows = 0;
    for (const leaf of leaves) if (!started.has(leaf.id)) waitingRows += await estimateRows(sql, leaf.table).catch(() => 0);
    const partitions = Math.max(leaves.length, mine.length);
    const partitionsDone = mine.filter((s) => s.done).length;
    const rowsDone = mine.reduce((n, s) => n + s.rowsDone, 0);
    const startedExpected = mine.reduce((n, s) => n + s.rowsExpected, 0);
    const rowsExpected = startedExpected + waitingRows;
    const doneWeight = mine.reduce((n, s) => n + s.fraction * s.rowsExpected, 0);
    // No partitions: nothing to backfill (until one is attached).
    const done = partitions === 0 || (partitionsDone === partitions && mine.length > 0);
    const fraction = done ? 1 : rowsExpected > 0 ? Math.min(0.999, doneWeight / rowsExpected) : 0;
    const rowsPerSecond = mine.reduce((n, s) => n + s.rowsPerSecond, 0);
    const eta = Math.round(Math.max(0, rowsExpected - rowsDone) / rowsPerSecond);
    out.push({
      task,
      partitions,
      partitionsDone,
      partitionsStarted: mine.length,
      rowsDone,
      rowsExpected,
      percent: done ? 100 : Math.floor(fraction * 1000) / 10,
      rowsPerSecond,
      etaSeconds: done ? 0 : rowsPerSecond > 0 && rowsDone > 0 && Number.isFinite(eta) ? eta : null,
      done,
    });
  }
  return out;
}
