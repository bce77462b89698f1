// `pause` and `unpause`: set the migration's pause flag in the state table. The worker, on whatever
// host it runs, idles at its next batch boundary (or exits 3 with --exit-on-pause) until unpaused.
import { decide } from '../lifecycle/decide.js';
import { obey } from '../lifecycle/decision.js';
import { resolveMigration } from './resolve-migration.js';
import { withSession, type ConnectionInput } from './session.js';

export interface PauseInput extends ConnectionInput {
  /** Default: the only active migration. */
  readonly migration?: string;
}

export interface PauseResult {
  readonly migration: string;
  readonly paused: boolean;
  /** Whether the flag changed (false: it was already so). */
  readonly changed: boolean;
  /** Whether a worker holds the migration now (it obeys within about a second). */
  readonly workerRunning: boolean;
}

export async function setMigrationPaused(input: PauseInput, paused: boolean): Promise<PauseResult> {
  return withSession(
    input,
    async (session) => {
      // Without a name: one with a worker's run ahead of it (not waiting for contract) whose flag would change.
      const m = await resolveMigration(session, input.migration, (r) => r.status !== 'awaiting_contract' && r.paused !== paused);
      const action = obey(decide(paused ? 'pause' : 'unpause', m, {}));
      await session.ledger.setPaused(m.name, action.paused);
      if (action.changed) await session.ledger.logEvent(m.name, action.paused ? 'paused' : 'unpaused');
      return {
        migration: m.name,
        paused: action.paused,
        changed: action.changed,
        workerRunning: await session.ledger.isLeaseHeld(m.name),
      };
    },
    2,
  );
}
