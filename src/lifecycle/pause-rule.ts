// `pause` and `unpause`: a finished migration has nothing to pause; any other takes the flag.
import { MigrationStateError } from '../errors/index.js';
import type { MigrationRecord } from '../state/migration-records.js';
import { act, refuse, type Decision } from './decision.js';
import { isFinished } from './migration-status.js';

/** `changed`: false when the flag was already so (nothing is logged). */
export type PauseAction = { readonly kind: 'set-flag'; readonly paused: boolean; readonly changed: boolean };

export function pauseRule(m: Pick<MigrationRecord, 'name' | 'status' | 'paused'>, paused: boolean): Decision<PauseAction> {
  if (isFinished(m.status)) {
    return refuse(
      new MigrationStateError(
        `migration "${m.name}" is already ${m.status.replace('_', ' ')}; there is nothing to ${paused ? 'pause' : 'unpause'}`,
      ),
    );
  }
  return act({ kind: 'set-flag', paused, changed: m.paused !== paused });
}
