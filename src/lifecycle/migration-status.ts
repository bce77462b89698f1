// What a recorded status means for the commands: finished, active, live or interrupted.
import type { MigrationStatus } from '../state/migration-records.js';

/** A finished migration is never acted on again (a rolled-back one may be started afresh). */
export const isFinished = (status: MigrationStatus): boolean => status === 'completed' || status === 'rolled_back';

/** `running` and `interrupted` are told apart by the worker's lease, not by the recorded status. */
export type LiveState = 'running' | 'interrupted' | 'stopped' | 'failed' | 'awaiting_contract' | 'completed' | 'rolled_back';

/** A recorded `running` is only running while its worker holds the lease; otherwise the worker is gone. */
export function liveStateOf(status: MigrationStatus, leaseHeld: boolean): LiveState {
  if (status !== 'running') return status;
  return leaseHeld ? 'running' : 'interrupted';
}

/**
 * Whether a migration keeps other migrations off its tables: every one not finished, except one
 * awaiting contract when the starting migration may stack on it (`migrate --expand-only`).
 */
export const holdsItsTables = (status: MigrationStatus, stackOnAwaitingContract: boolean): boolean =>
  !isFinished(status) && !(stackOnAwaitingContract && status === 'awaiting_contract');

/** The statuses whose spec hash must still match the file: everything but a rollback, after which the file starts afresh. */
export const isHashBound = (status: MigrationStatus): boolean => status !== 'rolled_back';
