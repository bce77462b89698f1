// Resume of a migration past its backfill (awaiting contract, or failed or stopped in contract before
// its first contract step) whose tables have rows that need work again (a writer our triggers did not
// fill): the facts its rule decides on, read with complete's own check, and the start of the sweep.
import { deleteCursors } from '../../phases/backfill-engine/backfill-cursors.js';
import { sampleKeysNeedingWork, whyRowsNeedWorkAgain } from '../../phases/contract.js';
import { isConnectionLoss } from '../db/connection-loss.js';
import { errorMessage } from '../db/connect.js';
import { SweepCheckError, stopIfInterrupted } from '../errors/index.js';
import { decide } from '../lifecycle/decide.js';
import { mayNeedSweep, type ResumeFacts, type RowsNeedingWork } from '../lifecycle/run-rules.js';
import { displayName } from '../sql-text/quote.js';
import type { MigrationRecord } from '../state/migration-records.js';
import type { LeasedRun } from './run-migration.js';
import { reconcileMigration } from './reconcile-migration.js';
import type { Session } from './session.js';

/**
 * Resume's facts. The tables are read only when a sweep may be due: the check may read every row. A
 * stop signal is obeyed between tables, before anything changed; a check that fails changes nothing
 * either (exit 2), except a lost connection, which the run's reconnect handles.
 */
export async function resumeFacts(
  session: Session,
  record: MigrationRecord,
  derivedCompletion: boolean,
  signal: AbortSignal | undefined,
): Promise<ResumeFacts> {
  const contractStepsRecorded = (await session.ledger.steps(record.name)).some((s) => s.phase === 'contract');
  const rowsNeedingWork: RowsNeedingWork[] = [];
  if (!derivedCompletion && mayNeedSweep(record, contractStepsRecorded)) {
    for (const task of record.plan.backfill) {
      stopIfInterrupted(signal, record.name);
      const table = displayName(task.table);
      const sampleKeys = await sampleKeysNeedingWork(session.sql, record.name, task).catch((error: unknown) => {
        throw isConnectionLoss(error) ? error : new SweepCheckError(record.name, table, errorMessage(error), { cause: error });
      });
      if (sampleKeys.length > 0) rowsNeedingWork.push({ task: task.id, table, sampleKeys, sweepable: task.writesFilled === true });
    }
    stopIfInterrupted(signal, record.name);
  }
  return { derivedCompletion, contractStepsRecorded, rowsNeedingWork };
}

/**
 * After a reconnect: a sweep that had not begun when the connection went is decided again (the reconnect
 * rule alone would report the migration awaiting contract); undefined when there is none to begin.
 */
export async function sweepIfDue(session: Session, name: string, signal: AbortSignal | undefined): Promise<LeasedRun | undefined> {
  const { record, derivedCompletion } = await reconcileMigration(session, name);
  const decision = decide('resume', record, await resumeFacts(session, record, derivedCompletion, signal));
  if (!('action' in decision) || decision.action.kind !== 'sweep') return undefined;
  await beginSweep(session, name, decision.action.tasks);
  return { plan: record.plan, from: decision.action.from, changedBefore: true };
}

/**
 * Warns of each table, then forgets its tasks' cursors and records the migration back in its backfill in
 * one transaction: a kill at any moment leaves it either where it was with its old cursors (the next
 * resume decides again) or in its backfill without them (the next resume pages those tables afresh).
 */
export async function beginSweep(session: Session, migration: string, tasks: readonly RowsNeedingWork[]): Promise<void> {
  for (const message of sweepWarnings(tasks)) session.emit({ type: 'warning', message });
  await session.sql.begin(async (tx) => {
    for (const task of tasks) await deleteCursors(tx, session.store, migration, task.task);
    const ledger = session.ledger.within(tx);
    await ledger.updateMigration(migration, { status: 'running', phase: 'backfill', error: null });
    await ledger.logEvent(migration, 'sweep-again', { tasks });
  });
}

/** One warning per table, naming its tasks (change-type's fill and verify passes share one). */
export function sweepWarnings(tasks: readonly RowsNeedingWork[]): string[] {
  const tables = [...new Set(tasks.map((t) => t.table))];
  return tables.map((table) => {
    const mine = tasks.filter((t) => t.table === table);
    const keys = [...new Set(mine.flatMap((t) => t.sampleKeys))].slice(0, 5);
    return (
      `${table} has rows that need backfill again although its backfill finished (${mine.map((t) => t.task).join(', ')}), ` +
      `e.g. keys ${keys.join(', ')}: ${whyRowsNeedWorkAgain}; sweeping ${table} again. ` +
      'While such a writer runs, rows it writes after this sweep passes them need work again: stop it first, ' +
      'or make our fill triggers fire for it too (ALTER TABLE … ENABLE ALWAYS TRIGGER)'
    );
  });
}
