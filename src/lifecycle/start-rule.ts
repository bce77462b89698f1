// `start`: whether a migration may be recorded under this name, and on these tables.
import { LeaseHeldError, MigrationStateError, PreflightError, type LeaseHolder } from '../errors/index.js';
import type { MigrationStatus } from '../state/migration-records.js';
import { act, refuse, type Decision } from './decision.js';
import { holdsItsTables } from './migration-status.js';
import type { Recorded } from './recorded.js';

export interface StartFacts {
  /** Whether a worker holds the lease of the recorded migration of the same name. */
  readonly leaseHeld: boolean;
  readonly leaseHolder: LeaseHolder | undefined;
  /** Other recorded migrations that share a table with this one, oldest first, with the first table shared. */
  readonly sharing: readonly { readonly name: string; readonly status: MigrationStatus; readonly table: string }[];
  readonly stackOnAwaitingContract: boolean;
}

export type StartAction = { readonly kind: 'record' };

/** A name can be started again only after a rollback; a table only when no active migration holds it. */
export function startRule(existing: Recorded | undefined, facts: StartFacts): Decision<StartAction> {
  if (existing !== undefined && existing.status !== 'rolled_back') {
    const { name, status } = existing;
    if (facts.leaseHeld) return refuse(new LeaseHeldError(name, facts.leaseHolder, `online resume ${name}`));
    const next =
      status === 'completed'
        ? 'nothing to do'
        : status === 'awaiting_contract'
          ? `run \`online complete ${name}\``
          : `run \`online resume ${name}\``;
    return refuse(new MigrationStateError(`migration "${name}" already exists (status ${status}); ${next}`));
  }
  const busy = facts.sharing.find((other) => holdsItsTables(other.status, facts.stackOnAwaitingContract));
  if (busy !== undefined) {
    return refuse(
      new PreflightError(
        'TABLE_BUSY',
        `migration "${busy.name}" (status ${busy.status}) is still active on ${busy.table}; complete or roll it back first ` +
          `(\`online complete ${busy.name}\` or \`online rollback ${busy.name}\`; \`online status ${busy.name}\` shows where it is)`,
      ),
    );
  }
  return act({ kind: 'record' });
}
