// `rollback`: undoes expand (triggers, constraints, the new column). Refused once contract has
// completed; running it again after it finished is a no-op.
import { MigrationStateError } from '../errors/index.js';
import { logEvent } from '../state/event-log.js';
import { clearSteps } from '../state/step-records.js';
import { getMigration, updateMigration } from '../state/migration-records.js';
import { resolveMigration } from './resolve-migration.js';
import { runUnderLease, type MigrationResult } from './run-migration.js';
import { withSession, type MigrationCallInput } from './session.js';

export type RollbackInput = MigrationCallInput;

export async function rollbackMigration(input: RollbackInput): Promise<MigrationResult> {
  return withSession(input, async (session) => {
    const found = await resolveMigration(session, input.migration);
    if (found.status === 'rolled_back') return { migration: found.name, status: found.status, phase: found.phase };
    return runUnderLease(session, found.name, found.options, input.signal, async () => {
      const record = await getMigration(session.sql, session.store, found.name);
      if (record === undefined) throw new MigrationStateError(`migration "${found.name}" disappeared`);
      if (record.status === 'completed') {
        throw new MigrationStateError(`migration "${found.name}" is completed; contract cannot be undone by rollback`);
      }
      if (record.phase !== 'rollback') {
        await clearSteps(session.sql, session.store, found.name, 'rollback');
        await updateMigration(session.sql, session.store, found.name, { phase: 'rollback' });
        await logEvent(session.sql, session.store, found.name, 'rollback-requested', { from: record.phase });
      }
      return { plan: record.plan, from: 'rollback' };
    });
  }, 4);
}
