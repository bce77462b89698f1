// Resume of a migration awaiting contract whose tables have rows that need work again (a writer our
// triggers did not fill): which tasks, read with complete's own check, and the start of the sweep.
import { deleteCursors } from '../../phases/backfill-engine/backfill-cursors.js';
import { sampleKeysNeedingWork, whyRowsNeedWorkAgain } from '../../phases/contract.js';
import type { RowsNeedingWork } from '../lifecycle/run-rules.js';
import { displayName } from '../sql-text/quote.js';
import type { MigrationRecord } from '../state/migration-records.js';
import type { Session } from './session.js';

/** Resume's fact. Only a migration awaiting contract is checked: the check may read every row of its tables. */
export async function rowsNeedingWork(session: Session, record: MigrationRecord): Promise<RowsNeedingWork[]> {
  if (record.status !== 'awaiting_contract') return [];
  const found: RowsNeedingWork[] = [];
  for (const task of record.plan.backfill) {
    const sampleKeys = await sampleKeysNeedingWork(session.sql, record.name, task);
    if (sampleKeys.length > 0) found.push({ task: task.id, table: displayName(task.table), sampleKeys });
  }
  return found;
}

/**
 * Warns of each table, then forgets its tasks' cursors and records the migration back in its backfill in
 * one transaction: a kill at any moment leaves it either awaiting contract with its old cursors (the next
 * resume decides again) or in its backfill without them (the next resume pages those tables afresh).
 */
export async function beginSweep(session: Session, migration: string, tasks: readonly RowsNeedingWork[]): Promise<void> {
  for (const task of tasks) session.emit({ type: 'warning', message: sweepWarning(task) });
  await session.sql.begin(async (tx) => {
    for (const task of tasks) await deleteCursors(tx, session.store, migration, task.task);
    const ledger = session.ledger.within(tx);
    await ledger.updateMigration(migration, { status: 'running', phase: 'backfill', error: null });
    await ledger.logEvent(migration, 'sweep-again', { tasks });
  });
}

export function sweepWarning({ table, sampleKeys }: RowsNeedingWork): string {
  return (
    `${table} has rows that need backfill again although its backfill finished, e.g. keys ${sampleKeys.join(', ')}: ` +
    `${whyRowsNeedWorkAgain}; sweeping ${table} again`
  );
}
