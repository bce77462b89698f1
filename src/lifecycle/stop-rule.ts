// `stop`: a worker that holds the migration's lease is asked to stop; without one there is nothing to
// stop. A migration already recorded stopped succeeds again (so `stop && rollback` scripts can run
// twice); any other migration without a worker is refused, naming its state and the next step.
import { MigrationStateError } from '../errors/index.js';
import type { MigrationRecord } from '../state/migration-records.js';
import { act, refuse, type Decision } from './decision.js';
import { isFinished } from './migration-status.js';

export interface StopFacts {
  /** Whether a worker holds the migration's lease now. */
  readonly leaseHeld: boolean;
}

/** `request`: record a stop request for the worker; `report`: it is already stopped, nothing to do. */
export type StopAction = { readonly kind: 'request' } | { readonly kind: 'report' };

export function stopRule(m: Pick<MigrationRecord, 'name' | 'status' | 'phase'>, facts: StopFacts): Decision<StopAction> {
  const { name, status } = m;
  if (isFinished(status)) {
    return refuse(new MigrationStateError(`migration "${name}" is already ${status.replace('_', ' ')}; there is no worker to stop`));
  }
  if (facts.leaseHeld) return act({ kind: 'request' });
  if (status === 'stopped') return act({ kind: 'report' });
  return refuse(new MigrationStateError(`migration "${name}" is not running, so there is no worker to stop: ${notRunning(m)}`));
}

/** The state of an unfinished migration no worker holds, with what to run next. */
function notRunning({ name, status, phase }: Pick<MigrationRecord, 'name' | 'status' | 'phase'>): string {
  if (status === 'awaiting_contract') return `it waits for contract; \`online complete ${name}\` runs it`;
  const what = status === 'failed' ? `it failed in its ${phase} phase` : `it was interrupted in its ${phase} phase (its worker is gone)`;
  return `${what}; \`online resume ${name}\` continues it, \`online rollback ${name}\` undoes it`;
}
