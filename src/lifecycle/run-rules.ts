// `resume`, `complete`, `rollback` and the run that continues after a reconnect: what each does with a
// migration whose record was just reconciled with the catalog (see api/reconcile-migration.ts).
import { BackfillIncompleteError, BackfillNotRepeatableError, MigrationStateError } from '../errors/index.js';
import type { MigrationPhase } from '../state/migration-records.js';
import { act, refuse, type Decision } from './decision.js';
import { isFinished } from './migration-status.js';
import type { Recorded, StepRef } from './recorded.js';

/** Report the migration as it is (nothing to run), or drive it from a phase. */
export type RunAction = { readonly kind: 'report' } | { readonly kind: 'drive'; readonly from: MigrationPhase };

/** A backfill task of a migration past its backfill whose table has rows that need work again. */
export interface RowsNeedingWork {
  readonly task: string;
  /** The table, as messages name it (`public.tickets`). */
  readonly table: string;
  /** Up to 5 keys of such rows, as text like `(7)`. */
  readonly sampleKeys: readonly string[];
  /**
   * Its triggers fill every row writers write (BackfillTask.writesFilled), so its update recomputes a row
   * from the row itself and can run on it again. Otherwise (a `backfill` operation) online cannot tell a
   * row written after the pass from one its update left matching, and never applies the update twice.
   */
  readonly sweepable: boolean;
}

export interface ResumeFacts {
  /** Reconciling found every contract step recorded and recorded the migration completed. */
  readonly derivedCompletion: boolean;
  /** A contract step is recorded: past that, the backfill is never reopened. */
  readonly contractStepsRecorded: boolean;
  /** Read for a migration in its contract phase with no contract step recorded (empty otherwise). */
  readonly rowsNeedingWork: readonly RowsNeedingWork[];
}

/** `sweep`: page these tasks' tables afresh (new cursors), then settle awaiting contract again. */
export type ResumeAction = RunAction | { readonly kind: 'sweep'; readonly from: 'backfill'; readonly tasks: readonly RowsNeedingWork[] };

/** Whether resume must read the tables for rows needing work again: in contract, before any contract step ran. */
export function mayNeedSweep(m: Recorded, contractStepsRecorded: boolean): boolean {
  return m.phase === 'contract' && !contractStepsRecorded && !isFinished(m.status) && m.status !== 'rolled_back';
}

/**
 * A finished backfill whose tables have rows that need work again (some writer skipped our triggers) is
 * swept again, awaiting contract or failed in contract before its first step: `complete` refuses such a
 * migration and names `resume`, so resume must not refuse it too. A task whose update cannot safely run
 * on a row twice is refused instead, and the message says what to do.
 */
export function resumeRule(m: Recorded, facts: ResumeFacts): Decision<ResumeAction> {
  if (facts.derivedCompletion) return act({ kind: 'report' });
  if (m.status === 'rolled_back') {
    return refuse(
      new MigrationStateError(
        `migration "${m.name}" is already rolled back; nothing to resume (to apply it again, run \`online start\` with its spec)`,
      ),
    );
  }
  if (isFinished(m.status)) return refuse(new MigrationStateError(`migration "${m.name}" is already completed; nothing to resume`));
  if (mayNeedSweep(m, facts.contractStepsRecorded) && facts.rowsNeedingWork.length > 0) {
    const unsafe = facts.rowsNeedingWork.find((t) => !t.sweepable);
    if (unsafe !== undefined) return refuse(new BackfillNotRepeatableError(m.name, 'resume', unsafe));
    return act({ kind: 'sweep', from: 'backfill', tasks: facts.rowsNeedingWork });
  }
  if (m.status === 'awaiting_contract') {
    return refuse(new MigrationStateError(`migration "${m.name}" has finished its backfill; run \`online complete ${m.name}\``));
  }
  return act({ kind: 'drive', from: m.phase });
}

export interface ContractFacts {
  /** The first committed contract step rollback cannot undo, if any. */
  readonly pointOfNoReturn: StepRef | undefined;
}

export type CompleteAction =
  | { readonly kind: 'report' }
  /** Past the point of no return the proof held when that step ran, and may no longer compile: no re-proof. */
  | { readonly kind: 'drive'; readonly from: 'contract'; readonly proveBackfill: boolean };

/** Idempotent: completing a completed migration (e.g. again after a crash) changes nothing and succeeds. */
export function completeRule(m: Recorded, facts: ContractFacts): Decision<CompleteAction> {
  const { name, status, phase } = m;
  if (status === 'completed') return act({ kind: 'report' });
  if (status === 'rolled_back') {
    return refuse(
      new MigrationStateError(
        `migration "${name}" was rolled back; start it again first (\`online start\` with its spec), then run \`online complete ${name}\``,
      ),
    );
  }
  if (phase === 'rollback') {
    return refuse(new MigrationStateError(`migration "${name}" is being rolled back; run \`online rollback ${name}\` to finish that`));
  }
  if (phase === 'expand' || phase === 'backfill') {
    return refuse(new BackfillIncompleteError(name, `it is still in its ${phase} phase (status ${status})`));
  }
  return act({ kind: 'drive', from: 'contract', proveBackfill: facts.pointOfNoReturn === undefined });
}

export type RollbackAction =
  | { readonly kind: 'report' }
  /** `begin`: record the switch to the rollback phase first (a rollback already under way just goes on). */
  | { readonly kind: 'drive'; readonly from: 'rollback'; readonly begin: boolean };

/**
 * Refused once contract has passed its point of no return, whatever the status says; running it again
 * after it finished changes nothing. Asked before the lease too, where only a finished rollback is
 * answered (the rest is decided again under the lease, after reconciling).
 */
export function rollbackRule(m: Recorded, facts: ContractFacts): Decision<RollbackAction> {
  const { name, status, phase } = m;
  if (status === 'rolled_back') return act({ kind: 'report' });
  if (status === 'completed') {
    return refuse(
      new MigrationStateError(
        `migration "${name}" is completed; contract cannot be undone by rollback; run \`online revert ${name}\` to undo it with an inverse migration`,
      ),
    );
  }
  const step = facts.pointOfNoReturn;
  if (step !== undefined && phase !== 'rollback') {
    return refuse(
      new MigrationStateError(
        `migration "${name}" is past its point of no return: contract step ${step.index + 1} (${step.description}) has committed, ` +
          `so rollback can no longer restore the original; run \`online complete ${name}\` to finish it`,
      ),
    );
  }
  return act({ kind: 'drive', from: 'rollback', begin: phase !== 'rollback' });
}

export interface ReconnectFacts {
  /** The run takes the migration through contract (its `complete` option). */
  readonly runsContract: boolean;
}

/**
 * After a reconnect: a migration that settled meanwhile (its last step committed just before the
 * connection dropped) is reported as it is; otherwise the run goes on from its recorded phase.
 */
export function reconnectRule(m: Recorded, facts: ReconnectFacts): Decision<RunAction> {
  const settled = isFinished(m.status) || (m.status === 'awaiting_contract' && !facts.runsContract);
  return act(settled ? { kind: 'report' } : { kind: 'drive', from: m.phase });
}
