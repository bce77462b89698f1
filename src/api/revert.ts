// `revert`: undoes a completed migration with a new one, `revert-<name>`, whose spec is the inverse of
// its operations (last first). The inverse runs like any spec through `start`: pre-flight (which also
// finds a schema that drifted since), expand and backfill, and contract with `complete`; so it is
// resumable, kill-safe and runs under lock_timeout like every migration. Nothing changes when the
// migration has no safe inverse. The revert's plan names the migration it undoes (`reverts`).
import type { EventListener } from '../events.js';
import { decide } from '../lifecycle/decide.js';
import { obey } from '../lifecycle/decision.js';
import { parseSpec } from '../migration-spec/load-spec.js';
import type { MigrationSpec } from '../migration-spec/migration-spec.js';
import { invertOperations, typeChangesBeyond } from '../operations/inverse-operations.js';
import { NoSafeInverseError } from '../errors/index.js';
import type { OperationPlan } from '../plan/plan.js';
import { requireConstraint, requireEmptyTable } from '../preflight/revert-checks.js';
import type { RunOptionsInput } from '../settings/run-options.js';
import type { MigrationRecord } from '../state/migration-records.js';
import { resolveMigration } from './resolve-migration.js';
import type { MigrationResult } from './run-migration.js';
import { withSession, type ConnectionInput, type Session } from './session.js';
import { dryRunStart, planMigration, startMigration } from './start.js';

export interface RevertInput extends ConnectionInput {
  /** The completed migration to undo. */
  readonly migration: string;
  readonly options?: RunOptionsInput;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventListener;
}

export interface RevertPlan {
  /** The revert migration's name. */
  readonly migration: string;
  readonly reverts: string;
  readonly spec: MigrationSpec;
  readonly plan: OperationPlan;
}

export type RevertResult = MigrationResult & { readonly reverts: string };

export const revertName = (migration: string): string => `revert-${migration}`;

/**
 * The revert's spec and plan, with every check its start makes (the options, the revert's name and
 * tables free in the ledger, pre-flight, the throttle query); changes nothing (`revert --dry-run`).
 */
export async function planRevert(input: RevertInput): Promise<RevertPlan> {
  const { original, spec } = await inverseSpec(input);
  // The input already carries its options and listener: the spread passes them on as they are.
  const plan = await dryRunStart({ ...input, spec, reverts: original.name });
  refuseTypeChangesBeyond(original, plan);
  return { migration: spec.name, reverts: original.name, spec, plan: { ...plan, reverts: original.name } };
}

export async function revertMigration(input: RevertInput): Promise<RevertResult> {
  const { original, spec } = await inverseSpec(input);
  // Only a type change back can reach further than the original did (its cascade to referencing columns).
  if (spec.operations.some((op) => op.op === 'change-type')) await planInverse(input, original, spec);
  const result = await startMigration({ ...input, spec, reverts: original.name });
  return { ...result, reverts: original.name };
}

/** Asks the lifecycle whether the migration may be reverted, then inverts its recorded spec. */
async function inverseSpec(input: RevertInput): Promise<{ readonly original: MigrationRecord; readonly spec: MigrationSpec }> {
  return withSession(
    input,
    async (session) => {
      const original = await resolveMigration(session, input.migration);
      obey(decide('revert', original, { revert: await recordedRevert(session, original) }));
      const inverse = invertOperations(original.name, original.spec.operations, original.plan);
      for (const c of inverse.constraints) await requireConstraint(session.sql, c.table, c.name);
      for (const table of inverse.emptyTables) await requireEmptyTable(session.sql, table);
      const spec = parseSpec({ name: revertName(original.name), operations: inverse.operations }, `(revert of ${original.name})`);
      return { original, spec };
    },
    2,
  );
}

/** Pre-flights the inverse; refuses one that would change the type of a column the original left alone. */
async function planInverse(input: RevertInput, original: MigrationRecord, spec: MigrationSpec): Promise<OperationPlan> {
  const plan = await planMigration({ ...input, spec });
  refuseTypeChangesBeyond(original, plan);
  return plan;
}

function refuseTypeChangesBeyond(original: MigrationRecord, plan: OperationPlan): void {
  const beyond = typeChangesBeyond(original.plan, plan);
  if (beyond.length > 0) throw new NoSafeInverseError(original.name, beyond);
}

/** The latest migration whose plan says it reverts this one. */
async function recordedRevert(session: Session, original: MigrationRecord): Promise<MigrationRecord | undefined> {
  return (await session.ledger.migrations()).filter((m) => m.plan.reverts === original.name).at(-1);
}
