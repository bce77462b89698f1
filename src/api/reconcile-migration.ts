// Before resume, complete or rollback act on a migration, its state is derived from what the database
// holds, not taken from the status column alone:
//   - a concurrent step (DROP INDEX CONCURRENTLY) that a killed run finished but could not record is
//     recorded now, when its `doneWhen` query says it took effect;
//   - a migration whose every contract step is recorded is completed, whatever its status says;
//   - the first recorded contract step that rollback cannot undo is the point of no return: past it,
//     rollback refuses and complete/resume go forward without re-proving the backfill.
// Locked steps need no such check: each one's record commits in the transaction of its DDL.
import { MigrationStateError } from '../errors/index.js';
import { pointOfNoReturn, type PlannedStep } from '../plan/plan.js';
import { isFinished } from '../lifecycle/migration-status.js';
import type { MigrationRecord } from '../state/migration-records.js';
import type { Session } from './session.js';

export interface ReconciledMigration {
  readonly record: MigrationRecord;
  /** This call found the migration completed in the catalog and recorded it so. */
  readonly derivedCompletion: boolean;
  /** The first recorded contract step that rollback cannot undo. */
  readonly pointOfNoReturn: { readonly index: number; readonly description: string } | undefined;
}

/** Reads the migration (under its lease) and brings its record in line with the database. */
export async function reconcileMigration(session: Session, name: string): Promise<ReconciledMigration> {
  const { ledger } = session;
  const found = await mustGetMigration(session, name);
  const contract = found.plan.contract;
  const recorded = new Set((await ledger.steps(name)).filter((s) => s.phase === 'contract').map((s) => s.stepIndex));
  if (isFinished(found.status)) return { record: found, derivedCompletion: false, pointOfNoReturn: pointOfNoReturn(found.plan, recorded) };
  for (const [index, step] of contract.entries()) {
    if (recorded.has(index) || !(await tookEffect(session, step))) continue;
    await ledger.transaction(async (tx) => {
      await tx.recordStep({
        migration: name,
        phase: 'contract',
        stepIndex: index,
        description: step.description,
        statements: step.statements,
        durationMs: 0,
      });
      await tx.logEvent(name, 'step-found-done', { phase: 'contract', index, description: step.description });
    });
    recorded.add(index);
  }
  const complete = contract.length > 0 && contract.every((_, index) => recorded.has(index));
  if (complete) {
    await ledger.transaction(async (tx) => {
      await tx.updateMigration(name, { status: 'completed', phase: 'done', error: null });
      await tx.logEvent(name, 'completed', { phase: 'done', derived: 'every contract step is recorded' });
    });
  }
  const record = complete ? await mustGetMigration(session, name) : found;
  return { record, derivedCompletion: complete, pointOfNoReturn: pointOfNoReturn(found.plan, recorded) };
}

/** The migration's record; it was there when the command began, under its lease, so it must still be. */
async function mustGetMigration(session: Session, name: string): Promise<MigrationRecord> {
  const found = await session.ledger.migration(name);
  if (found === undefined) throw new MigrationStateError(`migration "${name}" disappeared`);
  return found;
}

async function tookEffect(session: Session, step: PlannedStep): Promise<boolean> {
  if (step.doneWhen === undefined) return false;
  const [row] = await session.sql.unsafe<{ done: boolean }[]>(step.doneWhen);
  return row?.done === true;
}
