// Errors of migration directories: a missing directory, an applied spec edited afterwards, another `online migrate`
// holding the directory lock, a stop between specs (all leave the ledger consistent), and a spec that
// failed when `plan <dir>` rehearsed the directory.
import { OnlineError, type ExitCode } from './online-error.js';

/** A spec file whose validated content no longer matches the hash the ledger recorded when it started. */
export interface DriftedFile {
  readonly file: string;
  readonly migration: string;
  /** specHash recorded in the ledger when the migration started. */
  readonly recordedHash: string;
  /** specHash of the file as it is now. */
  readonly fileHash: string;
}

/** How many hex digits of a hash messages show: enough to tell two versions apart at a glance. */
export const hashPrefixLength = 12;

export function describeDrift(d: DriftedFile): string {
  return `${d.file} (migration ${d.migration}): recorded ${d.recordedHash.slice(0, hashPrefixLength)}, file now ${d.fileHash.slice(0, hashPrefixLength)}`;
}

/** The next step for a drifted file: two files shared a name, or an applied file was edited. */
export const driftAdvice =
  'if another file of the same name was applied, give one of them another name (its file name, or `name:`); if this file was edited, restore the applied version and put the change in a new spec';

export class SpecDriftError extends OnlineError {
  constructor(
    readonly dir: string,
    readonly drifted: readonly DriftedFile[],
  ) {
    super(
      'SPEC_DRIFT',
      `${drifted.length === 1 ? 'a migration of this directory was' : `${drifted.length} migrations of this directory were`} applied from different content ` +
        `(another file of the same name? or edited after it started) (${dir}):\n  ` +
        `${drifted.map(describeDrift).join('\n  ')}\n` +
        `${driftAdvice}, or pass --allow-drift to go on (the ledger keeps the recorded plans; the edits are not applied)`,
      2,
    );
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), drifted: this.drifted };
  }
}

/** Who holds the migrate lock: read from the holder's session (pg_locks and pg_stat_activity). */
export interface MigrateLockHolder {
  /** The PostgreSQL backend pid of the holder's lock connection. */
  readonly backendPid: number;
  /** The holder's process id and host, when its session announces them (application_name). */
  readonly pid: number | null;
  readonly host: string | null;
}

export function describeHolder(holder: MigrateLockHolder | undefined): string {
  if (holder === undefined) return 'another online migrate';
  if (holder.pid === null) return `another online migrate (PostgreSQL backend pid ${holder.backendPid})`;
  return `another online migrate (pid ${holder.pid}, host ${holder.host ?? 'unknown'})`;
}

/** `--no-wait` and another migrate runs on the same state schema: nothing was changed. */
export class MigrateLockHeldError extends OnlineError {
  constructor(readonly holder: MigrateLockHolder | undefined) {
    super(
      'MIGRATE_LOCK_HELD',
      `${describeHolder(holder)} is running on this database; nothing was changed. Run again once it has finished, or without --no-wait to wait for it`,
      2,
    );
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), holder: this.holder ?? null };
  }
}

/**
 * A stop request (SIGINT/SIGTERM) honoured while waiting for the lock, between two specs, or during one
 * (`during`: the spec's run stopped at its last committed batch; `online migrate` resumes it, so that is
 * the one next step named, not the spec's own `online resume`).
 */
export class MigrateStoppedError extends OnlineError {
  constructor(
    readonly next: string | undefined,
    during?: OnlineError & { readonly reason: string },
    command = 'online migrate',
  ) {
    super(
      'STOPPED',
      next === undefined
        ? 'online migrate stopped while waiting for another online migrate; nothing was changed'
        : `online migrate stopped ${during === undefined ? `before ${next}` : `during ${next} (${during.reason})`}; run \`${command}\` again to continue from there`,
      3,
      during === undefined ? undefined : { cause: during },
    );
  }
}

/** A spec that could not be planned or applied during the rehearsal; keeps its cause's exit code. */
export class RehearsalError extends OnlineError {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const known = cause instanceof OnlineError;
    const message = cause instanceof Error ? cause.message : String(cause);
    const exitCode: ExitCode = known ? cause.exitCode : 1;
    super(
      known ? cause.code : 'REHEARSAL_FAILED',
      `${file} (rehearsed on an empty database after the files before it): ${message}`,
      exitCode,
      { cause },
    );
  }
}

/**
 * A spec refused (exit 2) after earlier specs of the same run were applied: the run did change the
 * database, so it is a recorded, resumable failure (exit 1). The cause keeps the refusal's code.
 */
export class MigrateHaltedError extends OnlineError {
  constructor(
    readonly file: string,
    readonly applied: readonly string[],
    cause: OnlineError,
    command = 'online migrate',
  ) {
    super(
      cause.code,
      `${cause.message}\n(online migrate stopped at ${file} after applying ${applied.join(', ')}; those stay applied: fix ${file} and run \`${command}\` again to continue from it)`,
      1,
      { cause },
    );
  }
}

/** No migrations directory where one was expected (the default `migrations`, the config's, or the one named). */
export class MigrationsDirMissingError extends OnlineError {
  constructor(readonly dir: string) {
    super(
      'NO_MIGRATIONS_DIR',
      `no migrations directory '${dir}': run \`online init\` to create one, or pass the path of an existing directory`,
      2,
    );
  }
}
