// `migrate`: applies a directory of specs in file-name order, as Alembic's `upgrade head` does, with
// online phases: each pending spec is started, backfilled and completed; `expand-only` stops every spec
// before contract so the new application can be deployed, and `contract` finishes them afterwards.
//
// Why it is safe to re-run at any point: nothing is decided from memory. Every run reads the ledger
// and takes each spec from its recorded state (see src/lifecycle/migrate-step.ts), through the same start, resume
// and complete calls a user would make by hand; a failure stops the run with the state recorded, and
// the next run continues there. Before anything changes, every file must be valid and every applied
// file unchanged (the ledger keeps the hash of the validated spec, so comments and formatting are not
// drift). One migrate lock per state schema serialises whole runs, so two deploys never interleave.
import { MigrationStateError, OnlineError, StoppedError } from '../errors/index.js';
import type { OnlineEvent } from '../events.js';
import { overrideOptions, parseRunOptions, type RunOptionsInput } from '../settings/run-options.js';
import { readSpecDirectory, requireValidDirectory, type SpecFile } from '../migration-spec/spec-directory.js';
import { decide } from '../lifecycle/decide.js';
import { startedSummary } from '../plan/phase-summary.js';
import { obey } from '../lifecycle/decision.js';
import { findDrift, runsContract, type MigrateMode, type SpecStep } from '../lifecycle/migrate-step.js';
import type { MigrationRecord, MigrationStatus } from '../state/migration-records.js';
import { completeMigration } from './complete.js';
import { MigrateHaltedError, MigrateStoppedError, SpecDriftError, type DriftedFile, type MigrateLockHolder } from '../errors/index.js';
import { acquireMigrateLock } from './migrate-lock.js';
import { resumeMigration } from './resume.js';
import type { MigrationResult } from './run-migration.js';
import { withSession, type ConnectionInput, type Session } from './session.js';
import { startMigration, type StartInput } from './start.js';

export { SpecDriftError, MigrateLockHeldError, MigrateStoppedError, type DriftedFile, type MigrateLockHolder } from '../errors/index.js';
export type { MigrateMode } from '../lifecycle/migrate-step.js';

/** What the run did with a spec: the first call it made, or `skipped` (nothing to do) / `pending` (left for later). */
export type SpecAction = 'started' | 'resumed' | 'completed' | 'skipped' | 'pending';

export interface SpecOutcome {
  readonly file: string;
  readonly migration: string;
  readonly action: SpecAction;
  /** The ledger status afterwards; null for a spec never started. */
  readonly status: MigrationStatus | null;
  readonly note?: string;
  /** For a spec awaiting contract: what its start did (`expanded and backfilled`, `expanded`, …), from its plan. */
  readonly started?: string;
}

export type MigrateEvent =
  | OnlineEvent
  /** Another run holds the migrate lock; sent again when the holder changes. */
  | { readonly type: 'migrate-waiting'; readonly holder: MigrateLockHolder }
  | { readonly type: 'migrate-locked'; readonly waitedMs: number }
  /** Only with allowDrift; without it the run refuses. */
  | { readonly type: 'migrate-drift'; readonly drifted: readonly DriftedFile[] }
  | { readonly type: 'migrate-spec'; readonly file: string; readonly migration: string; readonly step: 'start' | 'resume' | 'complete' }
  | ({ readonly type: 'migrate-spec-done' } & SpecOutcome)
  /** The run stops at this spec; the error that follows says why, and a re-run continues here. */
  | { readonly type: 'migrate-halted'; readonly file: string; readonly migration: string; readonly code: string; readonly message: string };

export type MigrateEventListener = (event: MigrateEvent) => void;

export interface MigrateDirectoryInput extends ConnectionInput {
  readonly dir: string;
  /** Default `all`. */
  readonly mode?: MigrateMode;
  /** Go on when applied files were edited (a `migrate-drift` event instead of SpecDriftError). */
  readonly allowDrift?: boolean;
  /** Default true: wait for another migrate run; false: refuse with MigrateLockHeldError (exit 2). */
  readonly wait?: boolean;
  /** Run options of the specs this run starts. */
  readonly options?: RunOptionsInput;
  /** Options that override the stored ones of migrations this run resumes (only those given). */
  readonly overrides?: RunOptionsInput;
  /** Aborted on SIGINT/SIGTERM: the current batch finishes, then the run stops (exit 3); a re-run continues. */
  readonly signal?: AbortSignal;
  readonly onEvent?: MigrateEventListener;
  /** How the user runs this directory again, named by the next step of a stop (default `online migrate`). */
  readonly command?: string;
}

export interface MigrateDirectoryResult {
  readonly dir: string;
  readonly mode: MigrateMode;
  /** Every spec of the directory, in order. */
  readonly specs: readonly SpecOutcome[];
  /** No spec was started, resumed or completed. */
  readonly nothingToDo: boolean;
  /** Migrations of the directory expanded and backfilled, waiting for `migrate --contract`. */
  readonly awaitingContract: readonly string[];
  /** Specs `--contract` left alone because they (or an earlier spec) are not expanded yet. */
  readonly pending: readonly string[];
  /** Edited applied files, when allowDrift let the run go on. */
  readonly drift: readonly DriftedFile[];
}

export async function migrateDirectory(input: MigrateDirectoryInput): Promise<MigrateDirectoryResult> {
  const files = requireValidDirectory(await readSpecDirectory(input.dir));
  parseRunOptions(input.options);
  parseRunOptions(overrideOptions(input.options ?? {}, input.overrides ?? {}));
  const emit: MigrateEventListener = input.onEvent ?? (() => undefined);
  return withSession(
    { ...input, onEvent: emit },
    async (session) => {
      const waitingSince = performance.now();
      let waited = false;
      const lock = await acquireMigrateLock(session.sql, session.store, {
        wait: input.wait ?? true,
        signal: input.signal,
        onWait: (holder) => {
          waited = true;
          emit({ type: 'migrate-waiting', holder });
        },
      });
      try {
        if (waited) emit({ type: 'migrate-locked', waitedMs: Math.round(performance.now() - waitingSince) });
        return await applyDirectory(session, input, files, emit);
      } finally {
        await lock.release().catch(() => undefined);
      }
    },
    2,
  );
}

async function applyDirectory(
  session: Session,
  input: MigrateDirectoryInput,
  files: readonly SpecFile[],
  emit: MigrateEventListener,
): Promise<MigrateDirectoryResult> {
  const mode = input.mode ?? 'all';
  const ledger = await readLedger(session);
  const drift = findDrift(files, ledger);
  if (drift.length > 0) {
    if (input.allowDrift !== true) throw new SpecDriftError(input.dir, drift);
    emit({ type: 'migrate-drift', drifted: drift });
  }
  const specs: SpecOutcome[] = [];
  let reachedPending = false;
  for (const file of files) {
    const record = ledger.get(file.spec.name);
    const outcome: SpecOutcome = reachedPending
      ? pendingOutcome(file, record)
      : await applySpec(session, input, mode, file, record, emit).catch((error: unknown) => {
          // Exit 2 promises nothing changed: not so once an earlier spec of this run was applied.
          const applied = specs
            .filter((s) => s.action === 'started' || s.action === 'resumed' || s.action === 'completed')
            .map((s) => s.file);
          if (error instanceof StoppedError) throw new MigrateStoppedError(file.file, error, input.command);
          throw error instanceof OnlineError && error.exitCode === 2 && applied.length > 0
            ? new MigrateHaltedError(file.file, applied, error, input.command)
            : error;
        });
    reachedPending ||= outcome.action === 'pending';
    specs.push(outcome);
    emit({ type: 'migrate-spec-done', ...outcome });
  }
  return {
    dir: input.dir,
    mode,
    specs,
    nothingToDo: specs.every((s) => s.action === 'skipped' || s.action === 'pending'),
    awaitingContract: specs.filter((s) => s.status === 'awaiting_contract').map((s) => s.migration),
    pending: specs.filter((s) => s.action === 'pending').map((s) => s.file),
    drift,
  };
}

/** Takes one spec through the steps its state calls for, until it needs nothing more in this mode. */
async function applySpec(
  session: Session,
  input: MigrateDirectoryInput,
  mode: MigrateMode,
  file: SpecFile,
  recorded: MigrationRecord | undefined,
  emit: MigrateEventListener,
): Promise<SpecOutcome> {
  const name = file.spec.name;
  let record = recorded;
  let first: SpecAction | undefined;
  // At most start (or resume) and then complete: every step ends in a status that needs fewer steps.
  for (let round = 0; round < 3; round++) {
    const step = obey(decide('migrate', record, { mode }));
    if (step.kind === 'skip' || step.kind === 'pending') {
      const action = first ?? (step.kind === 'skip' ? 'skipped' : 'pending');
      return {
        file: file.file,
        migration: name,
        action,
        status: record?.status ?? null,
        note: step.kind === 'skip' ? step.note : undefined,
        ...(record?.status === 'awaiting_contract' ? { started: startedSummary(record.plan) } : {}),
      };
    }
    if (input.signal?.aborted === true) throw new MigrateStoppedError(file.file, undefined, input.command);
    emit({ type: 'migrate-spec', file: file.file, migration: name, step: step.kind });
    try {
      await runStep(input, mode, file, record, step);
    } catch (error) {
      const code = error instanceof OnlineError ? error.code : 'UNEXPECTED';
      emit({
        type: 'migrate-halted',
        file: file.file,
        migration: name,
        code,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
    first ??= actionOf(step.kind);
    record = await session.ledger.migration(name);
  }
  throw new MigrationStateError(`migration "${name}" did not settle (status ${record?.status ?? 'none'}); run \`online status ${name}\``);
}

const actionOf = (kind: 'start' | 'resume' | 'complete'): SpecAction =>
  kind === 'start' ? 'started' : kind === 'resume' ? 'resumed' : 'completed';

async function runStep(
  input: MigrateDirectoryInput,
  mode: MigrateMode,
  file: SpecFile,
  record: MigrationRecord | undefined,
  step: Extract<SpecStep, { kind: 'start' | 'resume' | 'complete' }>,
): Promise<MigrationResult> {
  const call = { databaseUrl: input.databaseUrl, stateSchema: input.stateSchema, signal: input.signal, onEvent: input.onEvent };
  const complete = runsContract(mode);
  switch (step.kind) {
    case 'start': {
      const start: StartInput = {
        ...call,
        spec: file.spec,
        options: { ...input.options, complete },
        stackOnAwaitingContract: mode === 'expand-only',
      };
      return startMigration(start);
    }
    case 'resume': {
      // The stored `complete` option decides whether resume runs contract: set it for this mode.
      const phaseChange = record?.options.complete === complete ? {} : { complete };
      return resumeMigration({ ...call, migration: file.spec.name, overrides: { ...input.overrides, ...phaseChange } });
    }
    case 'complete':
      return completeMigration({ ...call, migration: file.spec.name });
  }
}

function pendingOutcome(file: SpecFile, record: MigrationRecord | undefined): SpecOutcome {
  return { file: file.file, migration: file.spec.name, action: 'pending', status: record?.status ?? null };
}

async function readLedger(session: Session): Promise<Map<string, MigrationRecord>> {
  return new Map((await session.ledger.migrationsIfAny()).map((m) => [m.name, m]));
}
