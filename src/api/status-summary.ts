// `status` with no name starts with a summary of the whole project: which migrations run now (a worker
// holds the lease), which were interrupted (the worker is gone) or stopped, which failed, which wait for
// contract (expanded and backfilled, waiting for the new application to be deployed), how many are
// done, and which specs of the migrations directory are still pending. Read-only: it never creates the
// state schema.
import { readSpecDirectory } from '../migration-spec/spec-directory.js';
import { liveStateOf, type LiveState } from '../lifecycle/migration-status.js';
import type { MigrationRecord } from '../state/migration-records.js';
import { matchLedger } from './pending-specs.js';
import { withSession, type ConnectionInput, type Session } from './session.js';

export interface PendingSpec {
  readonly file: string;
  readonly migration: string;
}

export interface StatusSummary {
  /** Migration names by live state, oldest first. */
  readonly running: readonly string[];
  readonly interrupted: readonly string[];
  readonly stopped: readonly string[];
  readonly failed: readonly string[];
  readonly awaitingContract: readonly string[];
  /**
   * Those of awaitingContract that are specs of the migrations directory (same name, same content):
   * `online migrate --contract` contracts them; the others were begun with `start` and `online complete
   * <name>` contracts them. The ledger does not record how a migration was begun.
   */
  readonly awaitingContractInDirectory: readonly string[];
  readonly completed: readonly string[];
  readonly rolledBack: readonly string[];
  /** The migrations directory read for `pending`, or null when none was given. */
  readonly directory: string | null;
  /** Specs of the directory the ledger has not applied (absent, or rolled back), in the order they apply. */
  readonly pending: readonly PendingSpec[];
  /** Files of the directory that do not validate (`online check` explains them). */
  readonly invalid: readonly string[];
}

export interface StatusSummaryInput extends ConnectionInput {
  /** The migrations directory; pending specs are listed only when it is given. */
  readonly directory?: string;
}

export async function statusSummary(input: StatusSummaryInput): Promise<StatusSummary> {
  const directory = input.directory === undefined ? undefined : await readSpecDirectory(input.directory);
  return withSession(
    input,
    async (session) => {
      const ledger = await session.ledger.migrationsIfAny();
      const states = await Promise.all(ledger.map(async (m) => ({ name: m.name, state: await stateOf(session, m) })));
      const named = (state: LiveState): string[] => states.filter((s) => s.state === state).map((s) => s.name);
      const pending = directory === undefined ? [] : matchLedger(directory.files, ledger).filter((s) => s.pending);
      return {
        running: named('running'),
        interrupted: named('interrupted'),
        stopped: named('stopped'),
        failed: named('failed'),
        awaitingContract: named('awaiting_contract'),
        awaitingContractInDirectory: named('awaiting_contract').filter((name) =>
          (directory?.files ?? []).some((f) => f.spec.name === name && ledger.some((m) => m.name === name && m.specHash === f.hash)),
        ),
        completed: named('completed'),
        rolledBack: named('rolled_back'),
        directory: directory?.dir ?? null,
        pending: pending.map((s) => ({ file: s.file.file, migration: s.file.spec.name })),
        invalid: directory?.problems.map((p) => p.file) ?? [],
      };
    },
    2,
  );
}

async function stateOf(session: Session, m: MigrationRecord): Promise<LiveState> {
  return liveStateOf(m.status, m.status === 'running' && (await session.ledger.isLeaseHeld(m.name)));
}
