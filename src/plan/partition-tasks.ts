// A partitioned table's backfill task runs as one task per leaf partition, each with its own cursors,
// found when the backfill runs (so a partition attached during the migration is included). Their ids
// are the planned task's id, the separator, and the leaf's `schema.name`: the cursors of
// `public.tickets.priority @ public.tickets_2026_01` belong to the planned task `public.tickets.priority`.
import type { QualifiedName } from '../sql-text/quote.js';
import type { BackfillTask } from './plan.js';

const separator = ' @ ';

/** The task of one leaf partition of a planned task's partitioned table. */
export function partitionTask(task: BackfillTask, leaf: QualifiedName): BackfillTask {
  return { ...task, id: `${task.id}${separator}${leaf.schema}.${leaf.name}`, table: { schema: leaf.schema, name: leaf.name } };
}

/** The planned task a task id (a planned one, or a leaf partition's) belongs to. */
export function plannedTaskId(id: string): string {
  const at = id.indexOf(separator);
  return at < 0 ? id : id.slice(0, at);
}

/** The leaf partition part of a leaf task's id (`schema.name`), or undefined for a planned task's own id. */
export function partitionOfTaskId(id: string): string | undefined {
  const at = id.indexOf(separator);
  return at < 0 ? undefined : id.slice(at + separator.length);
}

/** Whether cursors recorded under `id` belong to the planned task `taskId`: its own, or one of its leaves'. */
export function belongsToTask(id: string, taskId: string): boolean {
  return id === taskId || id.startsWith(`${taskId}${separator}`);
}

/** The prefix every leaf task id of `taskId` starts with (for SQL `starts_with`). */
export function partitionTaskPrefix(taskId: string): string {
  return `${taskId}${separator}`;
}
