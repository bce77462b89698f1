// Errors raised while a migration runs: lock timeouts, stops, and failures recorded for resume.
import { OnlineError } from './online-error.js';

/** What a failed step or batch found: duplicates, CHECK violations, orphans, rows a `verify` query returned, rows a conversion fails on. */
export type ViolationKind = 'duplicates' | 'violations' | 'orphans' | 'unverified' | 'unconvertible';

export interface Blocker {
  readonly pid: number;
  /** Its application_name, when it set one: which service or tool holds the lock. */
  readonly application?: string | null;
  readonly state: string | null;
  readonly transactionAgeSeconds: number | null;
  readonly query: string | null;
}

/** `pid 123 (idle in transaction, transaction open 4.2s, application billing): <query>` */
export function describeBlocker(b: Blocker): string {
  const age = b.transactionAgeSeconds === null ? 'no transaction' : `transaction open ${b.transactionAgeSeconds.toFixed(1)}s`;
  const application = b.application === undefined || b.application === null || b.application === '' ? '' : `, application ${b.application}`;
  return `pid ${b.pid} (${b.state ?? 'unknown state'}, ${age}${application}): ${b.query ?? '<no query>'}`;
}

/** A blocker that --cancel-blockers-after left alone, and the safety limit that kept it. */
export interface SparedBlocker extends Blocker {
  readonly reason: string;
}

export class LockTimeoutError extends OnlineError {
  /** Blockers --cancel-blockers-after left alone in its last round, with why. */
  readonly spared: readonly SparedBlocker[];

  constructor(
    readonly statement: string,
    readonly attempts: number,
    readonly blockers: readonly Blocker[],
    options?: { cause?: unknown; spared?: readonly SparedBlocker[] },
  ) {
    const who = blockers.length === 0 ? 'no blocker could be identified' : `blocked by:\n  ${blockers.map(describeBlocker).join('\n  ')}`;
    const spared = options?.spared ?? [];
    const kept =
      spared.length === 0
        ? ''
        : `\nnot cancelled (--cancel-blockers-after):\n  ${spared.map((b) => `pid ${b.pid}: ${b.reason}`).join('\n  ')}`;
    super(
      'LOCK_TIMEOUT',
      `could not acquire a lock after ${attempts} attempts for: ${statement}\n${who}${kept}\n` +
        'the state is recorded: once the blocking sessions have ended, `online resume` (or `online migrate`, for a directory) ' +
        'continues from the last recorded step; a longer --lock-timeout or more --lock-retries wait longer',
      1,
      options,
    );
    this.spared = spared;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      statement: this.statement,
      attempts: this.attempts,
      blockers: this.blockers,
      ...(this.spared.length > 0 ? { spared: this.spared } : {}),
    };
  }
}

/** The run stopped early on request (signal); the state is recorded and `resume` continues. */
export class StoppedError extends OnlineError {
  constructor(
    readonly migration: string,
    readonly reason: string,
  ) {
    super('STOPPED', `migration "${migration}" stopped (${reason}); run \`online resume ${migration}\` to continue`, 3);
  }
}

/** Throws the StoppedError of a run whose signal fired (a signal, `online stop`, or a worker's own signal on a sibling's failure). */
export function stopIfInterrupted(signal: AbortSignal | undefined, migration: string): void {
  if (signal?.aborted === true) throw new StoppedError(migration, 'interrupted by signal');
}

/** A step or batch failed; the failure is recorded and `resume` retries from there. */
export class MigrationFailedError extends OnlineError {
  constructor(
    readonly migration: string,
    readonly phase: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('MIGRATION_FAILED', `migration "${migration}" failed during ${phase}: ${message}`, 1, options);
  }
}

/** A step failed on the table's data: duplicates for a unique index, rows violating a check, orphans of a foreign key. */
export class DataViolationError extends OnlineError {
  constructor(
    readonly migration: string,
    readonly kind: ViolationKind,
    readonly what: string,
    readonly samples: readonly Readonly<Record<string, unknown>>[],
    options?: { cause?: unknown },
  ) {
    const shown = samples.map((row) => `(${Object.values(row).map(String).join(', ')})`).join(', ');
    super(
      'DATA_VIOLATION',
      `migration "${migration}" failed: the table has ${what}${samples.length > 0 ? `, e.g. ${shown}` : ''}; ` +
        `fix the data and run \`online resume ${migration}\`, or undo with \`online rollback ${migration}\``,
      1,
      options,
    );
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), kind: this.kind, samples: this.samples };
  }
}

/** The server went away mid-run and did not come back within --reconnect-timeout. */
export class ConnectionLostError extends OnlineError {
  constructor(
    readonly migration: string,
    waitedMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      'CONNECTION_LOST',
      `migration "${migration}" lost its connection to the database, which did not come back within ${Math.round(waitedMs / 1000)}s; ` +
        `everything up to the last committed batch or step is recorded: run \`online resume ${migration}\` once the server is back`,
      1,
      options,
    );
  }
}

/** While the connection was down, another worker took the migration's lease: this one stops. */
export class LeaseTakenError extends OnlineError {
  constructor(
    readonly migration: string,
    holder: string,
    options?: { cause?: unknown },
  ) {
    super(
      'LEASE_TAKEN',
      `migration "${migration}" lost its connection, and another worker took it over meanwhile (${holder}); this run stops. ` +
        `\`online status ${migration}\` shows who runs it; if that worker is gone, \`online resume ${migration}\` continues`,
      1,
      options,
    );
  }
}

/**
 * A backfill over ctid page ranges found its table in another relation file: a rewrite (VACUUM FULL,
 * CLUSTER, TRUNCATE, pg_repack) moved every row, so its page numbers point at other rows now. The engine starts
 * the task's ranges again over the new pages; this escapes only when the table keeps being rewritten.
 */
export class TableRewrittenError extends OnlineError {
  constructor(
    readonly table: string,
    readonly task: string,
  ) {
    super(
      'TABLE_REWRITTEN',
      `${table} was rewritten (VACUUM FULL, CLUSTER, TRUNCATE or pg_repack?) during the backfill of ${task} more than once, so its page ranges no longer hold the same rows; ` +
        'the state is recorded: `online resume` pages the new file from its start (rows already done are skipped); ' +
        'a migration without --page-ranges pages by the key, which a rewrite does not move',
      1,
    );
  }
}
