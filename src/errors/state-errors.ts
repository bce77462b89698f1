// Errors about the migration ledger: unknown or ambiguous names, a held lease, a refused transition.
import { OnlineError } from './online-error.js';

export class MigrationNotFoundError extends OnlineError {
  constructor(readonly migration: string | undefined) {
    super(
      'MIGRATION_NOT_FOUND',
      migration === undefined
        ? 'no active migration found; `online history` lists every migration, or name one'
        : `no migration named "${migration}"; \`online status\` lists the active ones, \`online history\` all of them`,
      2,
    );
  }
}

export class AmbiguousMigrationError extends OnlineError {
  constructor(readonly candidates: readonly string[]) {
    super('AMBIGUOUS_MIGRATION', `several migrations are active; name one of: ${candidates.join(', ')}`, 2);
  }
}

export interface LeaseHolder {
  readonly host: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly heartbeatAt: string;
  /** Seconds since the last heartbeat, by the database's clock (the worker beats every 2 s). */
  readonly heartbeatAgeSeconds?: number;
}

function describeLeaseHolder(holder: LeaseHolder): string {
  const age = holder.heartbeatAgeSeconds === undefined ? '' : ` (${holder.heartbeatAgeSeconds.toFixed(1)}s ago)`;
  return `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}, last heartbeat ${holder.heartbeatAt}${age}`;
}

/** Another worker runs the migration. `next`: the command to run once it is gone (e.g. `online complete m`). */
export class LeaseHeldError extends OnlineError {
  constructor(
    readonly migration: string,
    readonly holder: LeaseHolder | undefined,
    readonly next?: string,
  ) {
    super(
      'LEASE_HELD',
      `migration "${migration}" is being run by another worker${holder === undefined ? '' : `: ${describeLeaseHolder(holder)}`}; ` +
        `wait for it to finish (\`online status ${migration}\` shows its progress), or stop it from any shell with \`online stop ${migration} --wait\` (it stops after its current batch or step), ` +
        `then ${next === undefined ? 'run this command again' : `run \`${next}\``}`,
      2,
    );
  }

  /** The same refusal, naming the command to run once the worker is gone. */
  thenRun(next: string): LeaseHeldError {
    return new LeaseHeldError(this.migration, this.holder, next);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), holder: this.holder ?? null };
  }
}

/** For `.catch`: a LeaseHeldError thrown again naming the command to run once the worker is gone; any other error as it is. */
export const leaseHeldThenRun =
  (next: string) =>
  (error: unknown): never => {
    throw error instanceof LeaseHeldError ? error.thenRun(next) : error;
  };

/** A command that does not fit the migration's current state (e.g. rollback after contract). */
export class MigrationStateError extends OnlineError {
  constructor(message: string) {
    super('INVALID_STATE', message, 2);
  }
}

/** `sweepsAgain`: the table whose finished backfill has rows needing work again, which `resume` sweeps again. */
export class BackfillIncompleteError extends OnlineError {
  constructor(
    readonly migration: string,
    readonly detail: string,
    readonly sweepsAgain?: string,
  ) {
    super(
      'BACKFILL_INCOMPLETE',
      `refusing to complete "${migration}": ${detail}. Run \`online resume ${migration}\`` +
        (sweepsAgain === undefined ? ' first.' : `: it sweeps ${sweepsAgain} again; then run \`online complete ${migration}\`.`),
      2,
    );
  }
}

/**
 * A finished backfill with no triggers for writers (a `backfill` operation) whose rows still match it:
 * online cannot tell rows written after its pass from rows its update left matching, so neither
 * `complete` nor `resume` goes on, and neither runs the update on a row twice.
 */
export class BackfillNotRepeatableError extends OnlineError {
  constructor(
    readonly migration: string,
    command: 'complete' | 'resume',
    readonly found: { readonly task: string; readonly table: string; readonly sampleKeys: readonly string[] },
  ) {
    super(
      'BACKFILL_NOT_REPEATABLE',
      `refusing to ${command} "${migration}": ${found.table} still has rows that its backfill ${found.task} matches, ` +
        `e.g. keys ${found.sampleKeys.join(', ')}, although the backfill finished. It has no trigger for writers, so online ` +
        'cannot tell rows written after its pass from rows its update left matching (a `set` that does not make a row stop ' +
        'matching its `where`), and it never runs the update on a row twice: fix those rows or the spec, then run ' +
        `\`online complete ${migration}\`.`,
      2,
    );
  }
}

/** Resume could not read whether a finished backfill's table has rows that need work again; nothing changed. */
export class SweepCheckError extends OnlineError {
  constructor(
    readonly migration: string,
    readonly table: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      'SWEEP_CHECK_FAILED',
      `refusing to resume "${migration}": could not check ${table} for rows that need backfill again (${reason}); nothing changed`,
      2,
      options,
    );
  }
}

/** A stored plan in a format this build does not know: a newer online planned the migration. */
export class PlanFormatError extends OnlineError {
  constructor(
    readonly migration: string,
    readonly found: unknown,
    readonly known: number,
  ) {
    super(
      'PLAN_FORMAT_UNSUPPORTED',
      `migration "${migration}" was planned in plan format ${String(found)}, which this online does not know (it reads formats up to ${known}); ` +
        `run it with the online version that started it, or a newer one`,
      2,
    );
  }
}

/** `online revert` of a migration with an operation whose effect cannot be undone online: a drop, a backfill, raw SQL. */
export class NoSafeInverseError extends OnlineError {
  constructor(
    readonly migration: string,
    readonly reasons: readonly string[],
  ) {
    super('NO_SAFE_INVERSE', `cannot revert "${migration}": ${reasons.join('; ')}; nothing was changed`, 2);
  }
}
