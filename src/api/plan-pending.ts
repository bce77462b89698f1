// `plan <dir> --pending`: only the SQL of what the target database has not applied yet, as
// `alembic upgrade head --sql` prints from the current revision. Read-only, like `plan <file>` and
// `check`: the ledger is read (never created), and each pending spec is pre-flighted and planned
// against the live catalog through planMigration, the path `start` takes before it changes anything.
//   - applied (completed) specs are skipped;
//   - a migration the ledger has unfinished shows the steps it has left, from its recorded plan: one
//     awaiting contract only its contract, one stopped in backfill its backfill and contract;
//   - a pending spec that changes a table an earlier pending or unfinished migration also changes is
//     deferred (see pending-specs.ts): its plan depends on what that one leaves, which the live
//     catalog does not show yet, so it is named with what it waits for instead of planned wrongly.
import { PendingPlanError } from '../errors/index.js';
import type { OperationPlan, PlannedStep } from '../plan/plan.js';
import { readSpecDirectory, requireValidDirectory } from '../migration-spec/spec-directory.js';
import { isFinished } from '../lifecycle/migration-status.js';
import type { MigrationRecord, MigrationStatus } from '../state/migration-records.js';
import type { StepRecord } from '../state/step-records.js';
import { deferredSpecs, matchLedger, type Deferral } from './pending-specs.js';
import { withSession, type ConnectionInput } from './session.js';
import { planMigration } from './start.js';

interface PendingBase {
  readonly file: string;
  readonly migration: string;
}

export type PendingSpecPlan = PendingBase &
  /** Not in the ledger (or rolled back): planned against the live catalog. */
  (
    | { readonly state: 'pending'; readonly plan: OperationPlan }
    /** Recorded and not finished: the steps its recorded plan has left, from its phase on. */
    | { readonly state: 'unfinished'; readonly status: MigrationStatus; readonly phase: string; readonly plan: OperationPlan }
    /** Pending, but waits for an earlier change to one of its tables. */
    | ({ readonly state: 'deferred' } & Deferral)
  );

export interface PlanPendingInput extends ConnectionInput {
  readonly dir: string;
}

export async function planPendingSpecs(input: PlanPendingInput): Promise<PendingSpecPlan[]> {
  const files = requireValidDirectory(await readSpecDirectory(input.dir));
  const { ledger, stepsOf } = await withSession(input, async (session) => {
    const ledger = await session.ledger.migrationsIfAny();
    const stepsOf = new Map<string, StepRecord[]>();
    for (const m of ledger) if (!isFinished(m.status)) stepsOf.set(m.name, await session.ledger.steps(m.name));
    return { ledger, stepsOf };
  });
  const deferred = deferredSpecs(files, ledger);
  const plans: PendingSpecPlan[] = [];
  for (const { file, record, pending } of matchLedger(files, ledger)) {
    const base = { file: file.file, migration: file.spec.name };
    const waits = deferred.get(file.file);
    if (record !== undefined && !pending) {
      if (record.status === 'completed') continue;
      const plan = remainingPlan(record, stepsOf.get(record.name) ?? []);
      plans.push({ ...base, state: 'unfinished', status: record.status, phase: record.phase, plan });
    } else if (waits !== undefined) plans.push({ ...base, state: 'deferred', ...waits });
    else {
      const plan = await planMigration({ ...input, spec: file.spec }).catch((error: unknown) => {
        throw new PendingPlanError(file.file, error);
      });
      plans.push({ ...base, state: 'pending', plan });
    }
  }
  return plans;
}

/** The recorded plan from the migration's phase on, without the steps already recorded done. */
function remainingPlan(record: MigrationRecord, steps: readonly StepRecord[]): OperationPlan {
  const { plan, phase } = record;
  const left = (name: 'expand' | 'contract' | 'rollback', list: readonly PlannedStep[]): PlannedStep[] => {
    const done = new Set(steps.filter((s) => s.phase === name).map((s) => s.stepIndex));
    return list.filter((_, i) => !done.has(i));
  };
  if (phase === 'rollback') return { expand: [], backfill: [], contract: [], rollback: left('rollback', plan.rollback) };
  return {
    expand: phase === 'expand' ? left('expand', plan.expand) : [],
    backfill: phase === 'expand' || phase === 'backfill' ? plan.backfill : [],
    contract: phase === 'done' ? [] : left('contract', plan.contract),
    rollback: [],
  };
}
