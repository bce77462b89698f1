// The plan an operation produces: ordered DDL steps per phase and backfill tasks. Plain data, stored
// with the migration so `resume` executes exactly what `start` planned.
import type { KeyColumn } from '../catalog/describe-table.js';
import type { QualifiedName } from '../sql-text/quote.js';
import type { ViolationKind } from '../errors/index.js';
import { plannedTaskId } from './partition-tasks.js';

export interface PlannedStep {
  readonly description: string;
  readonly statements: readonly string[];
  /**
   * How the step runs. `locked` (the default): all statements in one transaction under lock_timeout,
   * retried, with the step's record in the same transaction. `concurrent`: each statement on its own,
   * outside a transaction, with no lock or statement timeout (CREATE/DROP INDEX CONCURRENTLY, which
   * take no lock that blocks reads or writes but must wait for older transactions); recorded after.
   */
  readonly kind?: 'locked' | 'concurrent';
  /** A concurrent index build: an invalid leftover of that name is dropped first; a valid matching one is kept. */
  readonly buildsIndex?: IndexBuild;
  /** When the step fails on the data (duplicates, violations, orphans): how to show samples. */
  readonly explain?: ViolationProbe;
  /**
   * When the step fails on the data: statements that take the phase's earlier steps back out. They run
   * lock-safe, with the phase's step records cleared in the same transaction, so nothing of the failed
   * phase stays in force and the next run starts the phase again.
   */
  readonly undoPhaseOnViolation?: readonly string[];
  /** Lock notes for reviewers: which lock the step takes and for how long. */
  readonly locks?: string;
  /**
   * A contract step after which `rollback` can still restore the original exactly: it only adds or
   * validates something rollback drops. Every other contract step is a point of no return: once it has
   * committed, the migration can only be completed (rollback refuses, complete and resume go on).
   */
  readonly reversible?: boolean;
  /**
   * For a concurrent step, whose record cannot commit with its DDL: a query returning one row with a
   * boolean column `done`, true once the step has taken effect. A killed run may leave such a step done
   * but unrecorded; resume, complete and rollback ask this before they act.
   */
  readonly doneWhen?: string;
}

export interface IndexBuild {
  readonly schema: string;
  readonly name: string;
  /** The table the index is on: an index of the same name on another table is never "ours". */
  readonly table: QualifiedName;
  /** pg_get_indexdef from `USING` on, with `UNIQUE ` in front for a unique index: what "matches" means. */
  readonly definition: string;
}

/** A query returning up to a few sample rows that explain a failed step, as text columns. */
export interface ViolationProbe {
  readonly kind: ViolationKind;
  /** The SQLSTATE the step fails with (23505, 23514, 23503), or its class (`22`, any data exception). */
  readonly sqlState: string;
  /** What the rows are, e.g. `duplicate (email) values and their counts`. */
  readonly what: string;
  readonly query: string;
}

/**
 * A batched UPDATE over one table: keyset over `key`, or ctid page ranges when `key` is empty, or when
 * `writesFilled` lets the engine choose them (phases/backfill-engine/backfill-ranges.ts).
 */
export interface BackfillTask {
  /** Unique within the plan, e.g. `public.tickets.priority`. */
  readonly id: string;
  readonly table: QualifiedName;
  readonly key: readonly KeyColumn[];
  /** The SET list, e.g. `"priority" = (CASE … END)`. */
  readonly set: string;
  /** A predicate over the row: true while the row still needs this backfill. */
  readonly needsWork: string;
  /** When a batch (or the completeness check) fails on the data, e.g. a cast that fails: how to show samples. */
  readonly explain?: ViolationProbe;
  /**
   * True when the operation's triggers give every row version a writer writes after expand its value, so
   * no such version needs work: only versions in the pages that exist when the backfill starts can, and
   * ctid page ranges over those pages reach every row that needs work, wherever writers move rows.
   * Absent (plans recorded before it existed, and backfills without triggers): page by the key.
   */
  readonly writesFilled?: boolean;
  /**
   * The schemas pre-flight resolved `set` and `needsWork` with (see src/db/search-path.ts): batches and
   * complete's check run with exactly this search_path. Absent in plans recorded before it existed.
   */
  readonly searchPath?: readonly string[];
}

/** `verify`: a rebuild's second pass, which re-checks every row and updates those changed since the fill. */
export type BackfillPass = 'fill' | 'verify';

const verifySuffix = ':verify';

/** The id of the verify pass of the task `fillId` (a change-type rebuild runs one after its fill). */
export function verifyTaskId(fillId: string): string {
  return `${fillId}${verifySuffix}`;
}

/** Which pass a task is, by its id (verifyTaskId), a leaf partition's task by its planned task's. */
export function backfillPass(task: Pick<BackfillTask, 'id'>): BackfillPass {
  return plannedTaskId(task.id).endsWith(verifySuffix) ? 'verify' : 'fill';
}

export interface OperationPlan {
  readonly expand: readonly PlannedStep[];
  readonly backfill: readonly BackfillTask[];
  readonly contract: readonly PlannedStep[];
  /** Undoes expand; every statement is safe to run twice. */
  readonly rollback: readonly PlannedStep[];
  /** Things pre-flight noticed that do not stop the migration, e.g. a foreign key without an index. */
  readonly warnings?: readonly string[];
  /**
   * Tables the plan changes beyond the spec's own (e.g. the referencing tables a change-type rebuilds):
   * the ledger records them, so no other migration starts on them meanwhile.
   */
  readonly tables?: readonly QualifiedName[];
  /**
   * The types (and defaults) of the columns a change-type rebuilt, as they were before it: after
   * contract the catalog no longer shows them, and `online revert` changes them back to these.
   * Absent in plans recorded before it existed, and in plans of other operations.
   */
  readonly typesBefore?: readonly ColumnTypeBefore[];
  /** Set on the plan of an `online revert`: the name of the completed migration it undoes. */
  readonly reverts?: string;
}

export interface ColumnTypeBefore {
  readonly table: QualifiedName;
  readonly column: string;
  readonly type: string;
  /** The column's default expression then, or null when it had none. */
  readonly default: string | null;
}

/** Concatenates operation plans; rollback runs in reverse operation order. */
export function combinePlans(plans: readonly OperationPlan[]): OperationPlan {
  return {
    expand: plans.flatMap((p) => p.expand),
    backfill: plans.flatMap((p) => p.backfill),
    contract: plans.flatMap((p) => p.contract),
    rollback: [...plans].reverse().flatMap((p) => p.rollback),
    warnings: plans.flatMap((p) => p.warnings ?? []),
    tables: plans.flatMap((p) => p.tables ?? []),
    ...typesBeforeOf(plans),
  };
}

/** Only plans that carry types before get the field: the plans of other operations stay as they were. */
function typesBeforeOf(plans: readonly OperationPlan[]): Pick<OperationPlan, 'typesBefore'> {
  const typesBefore = plans.flatMap((p) => p.typesBefore ?? []);
  return typesBefore.length === 0 ? {} : { typesBefore };
}

/** The first recorded contract step that rollback cannot undo, if any: past it, the migration only goes forward. */
export function pointOfNoReturn(
  plan: OperationPlan,
  recordedContractSteps: ReadonlySet<number>,
): { readonly index: number; readonly description: string } | undefined {
  const index = plan.contract.findIndex((step, i) => recordedContractSteps.has(i) && step.reversible !== true);
  const step = plan.contract[index];
  return step === undefined ? undefined : { index, description: step.description };
}
