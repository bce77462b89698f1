// `pause` and `unpause`: set the migration's pause flag in the state table. The worker, on whatever
// host it runs, idles at its next batch boundary (or exits 3 with --exit-on-pause) until unpaused.
import { MigrationStateError } from '../errors/index.js';
import { logEvent } from '../state/event-log.js';
import { isLeaseHeld } from '../state/lease.js';
import { finishedStatuses } from '../state/migration-records.js';
import { setPaused } from '../state/pause-flag.js';
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
      const m = await resolveMigration(session, input.migration);
      if (finishedStatuses.includes(m.status))
        throw new MigrationStateError(
          `migration "${m.name}" is already ${m.status.replace('_', ' ')}; there is nothing to ${paused ? 'pause' : 'unpause'}`,
        );
      await setPaused(session.sql, session.store, m.name, paused);
      if (m.paused !== paused) await logEvent(session.sql, session.store, m.name, paused ? 'paused' : 'unpaused');
      return {
        migration: m.name,
        paused,
        changed: m.paused !== paused,
        workerRunning: await isLeaseHeld(session.sql, session.store, m.name),
      };
    },
    2,
  );
}
