// `resume`: continues an interrupted, stopped or failed migration from its recorded phase, step and
// cursor. Options given here override the stored ones, and the override is recorded.
import { MigrationStateError } from '../errors/index.js';
import { parseRunOptions, type RunOptionsInput } from '../settings/run-options.js';
import { logEvent } from '../state/event-log.js';
import { updateMigration } from '../state/migration-records.js';
import { continueRecorded } from './continue-migration.js';
import { reconcileMigration } from './reconcile-migration.js';
import { resolveMigration } from './resolve-migration.js';
import { runUnderLease, type MigrationResult } from './run-migration.js';
import { withSession, type MigrationCallInput } from './session.js';
import { preflightOptions, runPoolSize } from './start.js';

export interface ResumeInput extends MigrationCallInput {
  /** Only the options given are overridden. */
  readonly overrides?: RunOptionsInput;
}

export async function resumeMigration(input: ResumeInput): Promise<MigrationResult> {
  return withSession(
    input,
    async (session) => {
      const found = await resolveMigration(session, input.migration);
      const name = found.name;
      const options = parseRunOptions({ ...found.options, ...definedOnly(input.overrides ?? {}) });
      await preflightOptions(session, options);
      return runUnderLease(session, {
        migration: name,
        options,
        signal: input.signal,
        prepare: async (s) => {
          const { record, derivedCompletion } = await reconcileMigration(s, name);
          if (derivedCompletion) return { result: { status: record.status, phase: record.phase } };
          if (record.status === 'completed' || record.status === 'rolled_back') {
            throw new MigrationStateError(`migration "${name}" is already ${record.status.replace('_', ' ')}; nothing to resume`);
          }
          if (record.status === 'awaiting_contract') {
            throw new MigrationStateError(`migration "${name}" has finished its backfill; run \`online complete ${name}\``);
          }
          const changed = Object.keys(definedOnly(input.overrides ?? {}));
          if (changed.length > 0) {
            await updateMigration(s.sql, s.store, name, { options });
            await logEvent(s.sql, s.store, name, 'options-overridden', { changed, options });
          }
          await logEvent(s.sql, s.store, name, 'resumed', { phase: record.phase, from: record.status });
          return { plan: record.plan, from: record.phase };
        },
        prepareAgain: async (s) =>
          (await continueRecorded(s, name, options)) ?? Promise.reject(new MigrationStateError(`migration "${name}" disappeared`)),
      });
    },
    runPoolSize,
  );
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
