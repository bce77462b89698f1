// The lifecycle in one table: for each command, from the migration's recorded state and the facts read
// from the ledger and the catalog, the action to take or the refusal (with its message and exit code).
// Pure: the commands in src/api gather the facts, ask here, then act.
import type { MigrationRecord } from '../state/migration-records.js';
import type { Decision } from './decision.js';
import { stepFor, type MigrateMode, type SpecStep } from './migrate-step.js';
import { pauseRule, type PauseAction } from './pause-rule.js';
import type { Recorded } from './recorded.js';
import {
  completeRule,
  reconnectRule,
  resumeRule,
  rollbackRule,
  type CompleteAction,
  type ContractFacts,
  type ReconnectFacts,
  type ResumeAction,
  type ResumeFacts,
  type RollbackAction,
  type RunAction,
} from './run-rules.js';
import { revertRule, type RevertAction, type RevertFacts } from './revert-rule.js';
import { startRule, type StartAction, type StartFacts } from './start-rule.js';
import { stopRule, type StopAction, type StopFacts } from './stop-rule.js';

interface Rules {
  /** The migration of the same name, if one is recorded. */
  start: { recorded: Recorded | undefined; facts: StartFacts; action: StartAction };
  resume: { recorded: Recorded; facts: ResumeFacts; action: ResumeAction };
  complete: { recorded: Recorded; facts: ContractFacts; action: CompleteAction };
  rollback: { recorded: Recorded; facts: ContractFacts; action: RollbackAction };
  /** A completed migration that `online revert` would undo. */
  revert: { recorded: Recorded; facts: RevertFacts; action: RevertAction };
  /** A run that lost its connection and took its lease again. */
  reconnect: { recorded: Recorded; facts: ReconnectFacts; action: RunAction };
  pause: { recorded: Pick<MigrationRecord, 'name' | 'status' | 'paused'>; facts: Record<string, never>; action: PauseAction };
  unpause: { recorded: Pick<MigrationRecord, 'name' | 'status' | 'paused'>; facts: Record<string, never>; action: PauseAction };
  /** `online stop`: ask the worker to end at its next batch or step boundary. */
  stop: { recorded: Recorded; facts: StopFacts; action: StopAction };
  /** `online migrate`'s next step with one spec of its directory. */
  migrate: {
    recorded: Pick<MigrationRecord, 'name' | 'status' | 'phase' | 'plan'> | undefined;
    facts: { readonly mode: MigrateMode };
    action: SpecStep;
  };
}

export type LifecycleCommand = keyof Rules;
export type RecordedFor<C extends LifecycleCommand> = Rules[C]['recorded'];
export type FactsFor<C extends LifecycleCommand> = Rules[C]['facts'];
export type ActionFor<C extends LifecycleCommand> = Rules[C]['action'];

const table: { [C in LifecycleCommand]: (recorded: RecordedFor<C>, facts: FactsFor<C>) => Decision<ActionFor<C>> } = {
  start: startRule,
  resume: resumeRule,
  complete: completeRule,
  rollback: rollbackRule,
  revert: revertRule,
  reconnect: reconnectRule,
  pause: (recorded) => pauseRule(recorded, true),
  unpause: (recorded) => pauseRule(recorded, false),
  stop: stopRule,
  migrate: (recorded, facts) => stepFor(recorded, facts.mode),
};

export function decide<C extends LifecycleCommand>(command: C, recorded: RecordedFor<C>, facts: FactsFor<C>): Decision<ActionFor<C>> {
  return table[command](recorded, facts);
}
