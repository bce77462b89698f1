// The plan an operation produces: ordered DDL steps per phase and backfill tasks. Plain data, stored
// with the migration so `resume` executes exactly what `start` planned.
import type { KeyColumn } from '../db/catalog.js';
import type { QualifiedName } from '../db/quote.js';

export interface PlannedStep {
  readonly description: string;
  /** Run in one transaction under lock_timeout; the step's record commits with them. */
  readonly statements: readonly string[];
}

/** A batched UPDATE over one table: keyset over `key`, or ctid page ranges when `key` is empty. */
export interface BackfillTask {
  /** Unique within the plan, e.g. `public.tickets.priority`. */
  readonly id: string;
  readonly table: QualifiedName;
  readonly key: readonly KeyColumn[];
  /** The SET list, e.g. `"priority" = (CASE … END)`. */
  readonly set: string;
  /** A predicate over the row: true while the row still needs this backfill. */
  readonly needsWork: string;
}

export interface OperationPlan {
  readonly expand: readonly PlannedStep[];
  readonly backfill: readonly BackfillTask[];
  readonly contract: readonly PlannedStep[];
  /** Undoes expand; every statement is safe to run twice. */
  readonly rollback: readonly PlannedStep[];
}

/** Concatenates operation plans; rollback runs in reverse operation order. */
export function combinePlans(plans: readonly OperationPlan[]): OperationPlan {
  return {
    expand: plans.flatMap((p) => p.expand),
    backfill: plans.flatMap((p) => p.backfill),
    contract: plans.flatMap((p) => p.contract),
    rollback: [...plans].reverse().flatMap((p) => p.rollback),
  };
}
