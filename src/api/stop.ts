// `stop`: asks the worker running a migration, on whatever host, to end at its next batch or step
// boundary (it records the state and exits 3). Returns once the request is recorded, or with `wait`
// once the worker has let go of its lease, with the status it recorded.
import { hostname, userInfo } from 'node:os';
import { sleep } from '../db/backoff.js';
import { AmbiguousMigrationError, MigrationStateError, type StopRequester } from '../errors/index.js';
import { decide } from '../lifecycle/decide.js';
import { obey } from '../lifecycle/decision.js';
import { isFinished } from '../lifecycle/migration-status.js';
import type { MigrationPhase, MigrationRecord, MigrationStatus } from '../state/migration-records.js';
import { resolveMigration } from './resolve-migration.js';
import { withSession, type ConnectionInput, type Session } from './session.js';

/** How often `wait` asks whether the worker still holds its lease. */
const leasePollMs = 250;

export interface StopInput extends ConnectionInput {
  /** Default: the only running migration (a worker holds its lease). */
  readonly migration?: string;
  /** Return only once the worker has stopped (its lease is free). */
  readonly wait?: boolean;
  /** Aborting ends the wait early; the request stays recorded. */
  readonly signal?: AbortSignal;
}

export interface StopResult {
  readonly migration: string;
  /** False when the migration was already stopped (nothing recorded). */
  readonly requested: boolean;
  readonly requestedBy: StopRequester | null;
  /** With `wait`: whether the worker has let go (false only when the wait was aborted). */
  readonly workerStopped: boolean | null;
  /** The recorded status and phase when the call returned (after the worker stopped, with `wait`). */
  readonly status: MigrationStatus;
  readonly phase: MigrationPhase;
}

export async function stopMigration(input: StopInput): Promise<StopResult> {
  return withSession(
    input,
    async (session) => {
      const m = await runningMigration(session, input.migration);
      const { ledger } = session;
      const action = obey(decide('stop', m, { leaseHeld: await ledger.isLeaseHeld(m.name) }));
      const unchanged = { migration: m.name, requestedBy: null, workerStopped: null, status: m.status, phase: m.phase };
      if (action.kind === 'report') return { ...unchanged, requested: false };
      const by: StopRequester = { host: hostname(), pid: process.pid, user: osUser(), at: new Date().toISOString() };
      await ledger.requestStop(m.name, by);
      const workerStopped = input.wait === true ? await leaseReleased(session, m.name, input.signal) : null;
      const now = (await ledger.migration(m.name)) ?? m;
      return { migration: m.name, requested: true, requestedBy: by, workerStopped, status: now.status, phase: now.phase };
    },
    2,
  );
}

/**
 * The named migration, or the only one a worker runs now (several: refused, naming them). With none
 * running, the one the newest stop request named when it is recorded stopped: a second `online stop`
 * reports it already stopped (exit 0), as the named form does, so a script may run it twice.
 */
async function runningMigration(session: Session, name: string | undefined): Promise<MigrationRecord> {
  if (name !== undefined) return resolveMigration(session, name);
  const { ledger } = session;
  const active = (await ledger.migrationsIfAny()).filter((m) => !isFinished(m.status));
  const lastStopped = active.length === 0 ? undefined : await ledger.lastStopRequested();
  const running: MigrationRecord[] = [];
  for (const m of active) if (await ledger.isLeaseHeld(m.name)) running.push(m);
  if (running.length > 1) throw new AmbiguousMigrationError(running.map((m) => m.name));
  const only = running[0];
  if (only === undefined) {
    const stopped = active.find((m) => m.status === 'stopped' && m.name === lastStopped);
    if (stopped !== undefined) return stopped;
    const idle = active.length === 0 ? '' : ` (without a worker: ${active.map((m) => m.name).join(', ')}; \`online status\` shows them)`;
    throw new MigrationStateError(`no migration is running, so there is no worker to stop${idle}`);
  }
  return only;
}

/** Follows the lease until the worker lets go of it; false when `signal` ended the wait first. */
async function leaseReleased(session: Session, migration: string, signal: AbortSignal | undefined): Promise<boolean> {
  while (await session.ledger.isLeaseHeld(migration)) {
    if (signal?.aborted === true) return false;
    await sleep(leasePollMs, signal);
  }
  return true;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'unknown user';
  }
}
