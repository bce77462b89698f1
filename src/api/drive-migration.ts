// The phase state machine: runs a migration from its recorded phase onward and records every
// transition, failure and stop in the ledger. A transition that ends a phase with steps commits in
// the transaction of its last step (see runSteps), so the ledger never says "running" about a
// migration whose schema is already in its final shape.
import { runBackfill } from '../../phases/backfill.js';
import { runContract } from '../../phases/contract.js';
import { runExpand } from '../../phases/expand.js';
import { runRollback } from '../../phases/rollback.js';
import type { RunContext } from '../../phases/run-context.js';
import type { PhaseFinish } from '../../phases/run-steps.js';
import { errorMessage } from '../db/connect.js';
import { maskSecrets } from '../db/mask-secrets.js';
import { StoppedError, StopRequestedError } from '../errors/index.js';
import type { OnlineEvent } from '../events.js';
import { failureOutcome, phaseAfter } from '../lifecycle/phase-route.js';
import type { OperationPlan } from '../plan/plan.js';
import type { Ledger } from '../state/ledger.js';
import type { MigrationPhase, MigrationStatus } from '../state/migration-records.js';
import { stopRequestOf } from './stop-watch.js';

export interface DriveResult {
  readonly status: MigrationStatus;
  readonly phase: MigrationPhase;
}

export interface DriveOptions {
  /** This command already changed the database (start recorded the migration) before driving it. */
  readonly changedBefore: boolean;
}

export async function driveMigration(
  runContext: RunContext,
  plan: OperationPlan,
  from: MigrationPhase,
  drive: DriveOptions = { changedBefore: false },
): Promise<DriveResult> {
  // Exit 2 promises that nothing was changed: once a step or batch of this command has committed, a
  // failure is a recorded, resumable one (exit 1) whatever its kind.
  let changed = drive.changedBefore;
  const ctx: RunContext = {
    ...runContext,
    emit: (event: OnlineEvent) => {
      if ((event.type === 'step' && !event.skipped) || event.type === 'batch') changed = true;
      runContext.emit(event);
    },
  };
  const { ledger } = ctx;
  const set = (status: MigrationStatus, phase: MigrationPhase) => ledger.updateMigration(ctx.migration, { status, phase, error: null });
  let phase = from;
  try {
    await set('running', phase);
    for (;;) {
      const after = phaseAfter(phase, ctx.options.complete);
      if (after.kind === 'report') return { status: after.status, phase };
      if (after.kind === 'settle' && after.closesWithLastStep) {
        // The settled status commits with the phase's last step (see runSteps).
        const committed = await runStepPhase(phase, (tx) => recordFinish(ledger.within(tx), after.status, after.phase));
        return await finish(after.status, after.phase, committed);
      }
      await runDataPhase(phase);
      // The recorded phase moves on only once the settled status has committed: a failure while it
      // commits (a terminated backend) is recorded in the phase that ran. Recorded "failed in
      // contract", a contract that never began would later run on a resume that was not asked to.
      if (after.kind === 'settle') return await finish(after.status, after.phase, false);
      phase = after.next;
      await set('running', phase);
    }
  } catch (caught) {
    // A stop the phases saw as a signal: say who asked for it and what to run next.
    const requester = caught instanceof StoppedError ? stopRequestOf(ctx.signal) : undefined;
    const error = requester === undefined ? caught : new StopRequestedError(ctx.migration, phase, requester);
    const outcome = failureOutcome(error, ctx.migration, phase, changed, errorMessage(error));
    const recorded = outcome.error;
    const stopped = outcome.status === 'stopped';
    const message = maskSecrets(recorded.message, []);
    await ledger
      .updateMigration(ctx.migration, { status: outcome.status, phase, error: stopped ? null : { code: recorded.code, message } })
      .catch(() => undefined);
    await ledger.logEvent(ctx.migration, outcome.status, { phase, code: recorded.code, message }).catch(() => undefined);
    throw recorded;
  }

  /** Expand and backfill: they end with the run going on (or settling awaiting contract). */
  async function runDataPhase(current: MigrationPhase): Promise<void> {
    if (current === 'expand') await runExpand(ctx, plan);
    else if (current === 'backfill') await runBackfill(ctx, plan.backfill);
  }

  /** Contract and rollback: true when `close` committed with the phase's last step. */
  async function runStepPhase(current: MigrationPhase, close: PhaseFinish): Promise<boolean> {
    return current === 'rollback' ? runRollback(ctx, plan, close) : runContract(ctx, plan, close);
  }

  async function recordFinish(target: Ledger, status: MigrationStatus, next: MigrationPhase): Promise<void> {
    await target.updateMigration(ctx.migration, { status, phase: next, error: null });
    await target.logEvent(ctx.migration, status, { phase: next });
  }

  /** Records the transition unless it already committed with the phase's last step, then reports it. */
  async function finish(status: MigrationStatus, next: MigrationPhase, committed: boolean): Promise<DriveResult> {
    if (!committed) await ledger.transaction((tx) => recordFinish(tx, status, next));
    ctx.emit({ type: 'finished', migration: ctx.migration, status });
    return { status, phase: next };
  }
}
