// `revert`: whether a migration may be undone by a new, inverse migration. Only a completed one (before
// that, rollback undoes it), and only once: a revert already recorded is finished or continued instead.
import { MigrationStateError } from '../errors/index.js';
import { act, refuse, type Decision } from './decision.js';
import type { Recorded } from './recorded.js';

export interface RevertFacts {
  /** The revert migration already recorded for this one, if any. */
  readonly revert: Recorded | undefined;
}

export type RevertAction = { readonly kind: 'plan-inverse' };

export function revertRule(m: Recorded, facts: RevertFacts): Decision<RevertAction> {
  const { name, status } = m;
  if (status === 'rolled_back') return refuse(new MigrationStateError(`migration "${name}" was rolled back; there is nothing to revert`));
  if (status !== 'completed') {
    return refuse(
      new MigrationStateError(
        `migration "${name}" is not completed (status ${status}); revert undoes a completed migration: run \`online rollback ${name}\` to undo it`,
      ),
    );
  }
  const revert = facts.revert;
  if (revert === undefined || revert.status === 'rolled_back') return act({ kind: 'plan-inverse' });
  if (revert.status === 'completed') {
    return refuse(new MigrationStateError(`migration "${name}" is already reverted (by ${revert.name}); nothing to do`));
  }
  const next = revert.status === 'awaiting_contract' ? `online complete ${revert.name}` : `online resume ${revert.name}`;
  return refuse(
    new MigrationStateError(`migration "${name}" is being reverted by ${revert.name} (status ${revert.status}); run \`${next}\``),
  );
}
