// Runs a recorded migration under its lease: the common tail of start, resume, complete and rollback.
import type { RunContext } from '../../phases/run-context.js';
import type { OperationPlan } from '../operations/plan.js';
import type { RunOptions } from '../run-options.js';
import { acquireLease } from '../state/lease.js';
import type { MigrationPhase } from '../state/migration-records.js';
import { driveMigration, type DriveResult } from './drive-migration.js';
import type { Session } from './session.js';

export interface MigrationResult extends DriveResult {
  readonly migration: string;
}

/** What a command decided under the lease: drive the migration from a phase, or report that it is already where it should be. */
export type LeasedRun =
  | { readonly plan: OperationPlan; readonly from: MigrationPhase; readonly changedBefore?: boolean }
  | { readonly result: DriveResult };

export async function runUnderLease(
  session: Session,
  migration: string,
  options: RunOptions,
  signal: AbortSignal | undefined,
  prepare: () => Promise<LeasedRun>,
): Promise<MigrationResult> {
  const lease = await acquireLease(session.sql, session.store, migration);
  try {
    const run = await prepare();
    if ('result' in run) return { migration, ...run.result };
    const ctx: RunContext = { sql: session.sql, store: session.store, migration, options, emit: session.emit, signal };
    return { migration, ...(await driveMigration(ctx, run.plan, run.from, { changedBefore: run.changedBefore === true })) };
  } finally {
    await lease.release().catch(() => undefined);
  }
}
