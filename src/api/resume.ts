// `resume`: continues an interrupted, stopped or failed migration from its recorded phase, step and
// cursor, or sweeps again a finished backfill whose tables have rows needing work again (sweep-again.ts).
// Options given here override the stored ones, and the override is recorded.
import { MigrationStateError, leaseHeldThenRun } from '../errors/index.js';
import { decide } from '../lifecycle/decide.js';
import { obey } from '../lifecycle/decision.js';
import { givenOptions, overrideOptions, parseRunOptions, type RunOptionsInput } from '../settings/run-options.js';
import { continueRecorded } from './continue-migration.js';
import { reconcileMigration } from './reconcile-migration.js';
import { resolveMigration } from './resolve-migration.js';
import { runUnderLease, type MigrationResult } from './run-migration.js';
import { withSession, type MigrationCallInput } from './session.js';
import { preflightOptions, runPoolSize } from './start.js';
import { beginSweep, resumeFacts, sweepIfDue } from './sweep-again.js';

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
      const options = parseRunOptions(overrideOptions(found.options, input.overrides ?? {}));
      await preflightOptions(session, options);
      return runUnderLease(session, {
        migration: name,
        options,
        signal: input.signal,
        prepare: async (s) => {
          const { record, derivedCompletion } = await reconcileMigration(s, name);
          const action = obey(decide('resume', record, await resumeFacts(s, record, derivedCompletion, input.signal)));
          if (action.kind === 'report') return { result: { status: record.status, phase: record.phase } };
          const changed = Object.keys(givenOptions(input.overrides ?? {}));
          if (changed.length > 0) {
            await s.ledger.updateMigration(name, { options });
            await s.ledger.logEvent(name, 'options-overridden', { changed, options });
          }
          await s.ledger.logEvent(name, 'resumed', { phase: record.phase, from: record.status });
          if (action.kind === 'sweep') await beginSweep(s, name, action.tasks);
          return { plan: record.plan, from: action.from, changedBefore: action.kind === 'sweep' };
        },
        // A sweep that had not begun when the connection went is decided again, not just reported.
        prepareAgain: async (s) =>
          (await sweepIfDue(s, name, input.signal)) ??
          (await continueRecorded(s, name, options)) ??
          Promise.reject(new MigrationStateError(`migration "${name}" disappeared`)),
      }).catch(leaseHeldThenRun(`online resume ${name}`));
    },
    runPoolSize,
  );
}
