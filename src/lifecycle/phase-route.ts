// The phase state machine: which phase follows which, where a run settles, and what a failure records.
// api/drive-migration.ts runs the phases; this says where each one leads.
import { MigrationFailedError, OnlineError, StoppedError } from '../errors/index.js';
import type { MigrationPhase, MigrationStatus } from '../state/migration-records.js';

export type PhaseAfter =
  /** Run the phase, then go on to `next` (recorded running). */
  | { readonly kind: 'next'; readonly next: MigrationPhase }
  /** Run the phase, then record the migration settled: `closesWithLastStep` when that record commits with the phase's last step. */
  | { readonly kind: 'settle'; readonly status: MigrationStatus; readonly phase: MigrationPhase; readonly closesWithLastStep: boolean }
  /** Nothing left to run: report it completed. */
  | { readonly kind: 'report'; readonly status: MigrationStatus };

/** Where a run goes after `phase`; `runsContract` is the run's `complete` option. */
export function phaseAfter(phase: MigrationPhase, runsContract: boolean): PhaseAfter {
  switch (phase) {
    case 'expand':
      return { kind: 'next', next: 'backfill' };
    case 'backfill':
      return runsContract
        ? { kind: 'next', next: 'contract' }
        : { kind: 'settle', status: 'awaiting_contract', phase: 'contract', closesWithLastStep: false };
    case 'contract':
      return { kind: 'settle', status: 'completed', phase: 'done', closesWithLastStep: true };
    case 'rollback':
      return { kind: 'settle', status: 'rolled_back', phase: 'done', closesWithLastStep: true };
    case 'done':
      return { kind: 'report', status: 'completed' };
  }
}

export interface FailureOutcome {
  readonly status: Extract<MigrationStatus, 'stopped' | 'failed'>;
  /** What is thrown and recorded (its code and message; none recorded for a stop). */
  readonly error: OnlineError;
}

/**
 * A run that ends in an error is recorded stopped (a stop signal, a pause with exit) or failed. Exit 2
 * promises that nothing was changed: once a step or batch of this command has committed, a failure is
 * a recorded, resumable one (exit 1) whatever its kind.
 */
export function failureOutcome(
  error: unknown,
  migration: string,
  phase: MigrationPhase,
  changed: boolean,
  message: string,
): FailureOutcome {
  const status = error instanceof StoppedError ? 'stopped' : 'failed';
  if (error instanceof OnlineError && !(changed && error.exitCode === 2)) return { status, error };
  return { status, error: new MigrationFailedError(migration, phase, message, { cause: error }) };
}
