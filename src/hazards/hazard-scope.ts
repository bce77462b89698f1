// What a hazard read looks at: the tables of the migration (or of the step ahead), whether a concurrent
// index build lies ahead, the bytes the migration will write, and the thresholds (run settings).
import { tablesOf, type OperationSpec } from '../operations/index.js';
import type { OperationPlan, PlannedStep } from '../plan/plan.js';
import { displayName, type QualifiedName } from '../sql-text/quote.js';

export interface HazardScope {
  /** The tables, as `schema.name` text that to_regclass reads (displayName); missing ones are passed over. */
  readonly tables: readonly string[];
  /** A concurrent index build lies ahead: it waits for every transaction in the database holding an older snapshot. */
  readonly buildsIndex: boolean;
  /** Bytes the migration will write (WAL and new indexes), from the forecast: the disk headroom is read only with it. */
  readonly neededBytes?: number;
}

export interface HazardLimits {
  /** Transactions, snapshots and vacuums open longer than this are hazards (--hazard-age). */
  readonly ageMs: number;
  /** --max-retained-wal: a slot already past it holds the backfill until it shrinks. */
  readonly maxRetainedWalBytes: number | null;
}

/**
 * The tables of a migration: its operations' own (`spec.operations`), those its backfill tasks and
 * index builds name, and those its plan reaches beyond the spec's (e.g. referencing tables).
 */
export function planHazardScope(plan: OperationPlan, operations: readonly OperationSpec[] = []): HazardScope {
  const steps = [...plan.expand, ...plan.contract];
  const named: QualifiedName[] = [
    ...operations.flatMap((op) => tablesOf(op)),
    ...plan.backfill.map((task) => task.table),
    ...steps.flatMap((step) => (step.buildsIndex === undefined ? [] : [step.buildsIndex.table])),
    ...(plan.tables ?? []),
  ];
  return { tables: [...new Set(named.map(displayName))], buildsIndex: steps.some(buildsIndexConcurrently) };
}

/** A step that builds an index concurrently (it waits for older snapshots). */
export function buildsIndexConcurrently(step: PlannedStep): boolean {
  return step.kind === 'concurrent' && step.buildsIndex !== undefined;
}
