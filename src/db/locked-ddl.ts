// Runs DDL that takes strong locks so that no writer ever fails because of them: the first lock of an
// attempt waits at most lock_timeout, every later wait is short (lock-wait-budget.ts says why), and a
// lock timeout or a deadlock rolls the attempt back and retries it with backoff, naming the blockers.
import { LockTimeoutError, type Blocker, type SparedBlocker } from '../errors/index.js';
import { backoffDelay, defaultBackoff, sleep, type BackoffPolicy } from './backoff.js';
import { BlockerCanceller, type BlockerAction, type CancelBlockersPolicy } from './blocker-cancel.js';
import { asBlocker, findHolders, watchBlockers, type BlockerWatch, type SampledBlocker } from './blockers.js';
import { sqlState, type Sql, type TransactionSql } from './connect.js';
import { leastDeadlockTimeoutMs } from './deadlock-timeout.js';
import { leadWith, splitLeadingLocks, withoutMissing, type LockedStatements } from './leading-locks.js';
import { LockWaitBudget } from './lock-wait-budget.js';

export interface LockPolicy {
  /** How long the first lock of an attempt may wait; traffic queues behind us for at most about this. */
  readonly lockTimeoutMs: number;
  /** Attempts before giving up with a LockTimeoutError. */
  readonly lockRetries: number;
}

/** Why an attempt was rolled back: a lock wait ran out (55P03), or PostgreSQL chose us as a deadlock victim (40P01). */
export type LockRetryCause = 'lock-timeout' | 'deadlock';

export interface LockRetry {
  readonly attempt: number;
  readonly attempts: number;
  readonly waitMs: number;
  /** The statement that could not get its lock. */
  readonly statement: string;
  readonly cause: LockRetryCause;
  /** The sessions that held the lock it waited for, when they could be seen. */
  readonly blockers: readonly Blocker[];
}

export interface LockedDdlOptions extends LockPolicy {
  readonly backoff?: BackoffPolicy;
  readonly onRetry?: (retry: LockRetry) => void;
  /** Runs in the DDL's own transaction, after the statements: the step's record commits with it. */
  readonly record?: (tx: TransactionSql) => Promise<void>;
  readonly signal?: AbortSignal;
  /** Opt-in (--cancel-blockers-after): act on the blockers of a step retried this long, within safety limits. */
  readonly cancelBlockers?: CancelBlockersPolicy;
}

const retryCauses: Readonly<Record<string, LockRetryCause>> = { '55P03': 'lock-timeout', '40P01': 'deadlock' };

interface AttemptFailure {
  readonly error: unknown;
  /** Index of the statement that failed (in the attempt's order); undefined when the record failed. */
  readonly index: number | undefined;
  readonly blockers: readonly SampledBlocker[];
}

/**
 * Executes the statements in one transaction, retrying lock timeouts and deadlocks. A step that locks
 * several tables opens with one `LOCK TABLE` per table (leading-locks.ts); one that does not is
 * covered too: whatever statement first leaves the transaction holding a table lock, the waits after
 * it are short.
 */
export async function runLockedDdl(sql: Sql, statements: readonly string[], options: LockedDdlOptions): Promise<void> {
  const attempts = Math.max(1, options.lockRetries);
  const stopped = (): boolean => options.signal?.aborted === true;
  const lockTimeoutMs = Math.max(1, Math.round(options.lockTimeoutMs));
  let step = splitLeadingLocks(statements);
  // Two pool connections ready before the first wait: one for the transaction, one for sampling who
  // blocks it. Opening one takes long enough on a busy machine that a short wait would be over first.
  await Promise.all([sql`select 1`, sql`select 1`]);
  const firstAttemptAt = performance.now();
  const canceller = options.cancelBlockers === undefined ? undefined : new BlockerCanceller(sql, options.cancelBlockers);
  /** The blockers the last round of cancelling left alone: the final error says why. */
  let spared: readonly SparedBlocker[] = [];
  for (let attempt = 1; ; attempt++) {
    step = await existingLeadingLocks(sql, step);
    const failure = await runAttempt(sql, step, lockTimeoutMs, options.record);
    if (failure === undefined) return;
    const cause = retryCauses[sqlState(failure.error) ?? ''];
    if (cause === undefined) throw failure.error;
    const ordered = orderedStatements(step);
    const statement = failure.index === undefined ? statements.join('; ') : (ordered[failure.index] ?? '');
    const blockers = failure.blockers.map(asBlocker);
    const failedLead = failure.index !== undefined && failure.index < step.leading.length ? failure.index : undefined;
    if (attempt >= attempts || stopped()) {
      throw new LockTimeoutError(statement, attempt, blockers, { cause: failure.error, spared });
    }
    // Retried long enough: the blockers the limits allow are cancelled now, between attempts (a retry
    // must follow to use the way they cleared), and the next attempt goes at once.
    let signalled = 0;
    const elapsedMs = performance.now() - firstAttemptAt;
    if (canceller?.due(elapsedMs) === true && failure.blockers.length > 0) {
      const round = await canceller.review(failure.blockers, statement, elapsedMs, lockTimeoutMs);
      signalled = round.signalled;
      spared = round.leftAlone.map(sparedOf);
    }
    const waitMs = signalled > 0 ? 0 : backoffDelay(attempt, options.backoff ?? defaultBackoff);
    options.onRetry?.({ attempt, attempts, waitMs, statement, cause, blockers });
    // A leading lock that something independent held (a long transaction, an autovacuum) is asked
    // for first next time, while nothing is held: it may then wait the full lock_timeout (and its
    // deadlock check may cancel the autovacuum, as for any DDL). Not when every holder was waiting
    // for a lock we held (a writer taking the tables in the other order): it only needed us gone,
    // and the planned order is the one most writers take.
    if (failedLead !== undefined && failure.blockers.some((b) => !b.waitingForUs)) step = leadWith(step, failedLead);
    await sleep(waitMs, options.signal);
    // Stopped during the backoff: no further attempt (it would queue traffic behind us once more).
    if (stopped()) throw new LockTimeoutError(statement, attempt, blockers, { cause: failure.error, spared });
  }
}

const sparedOf = ({ blocker, reason }: BlockerAction): SparedBlocker => ({ ...blocker, reason });

/** The step without leading locks of relations dropped or renamed since it was planned (see withoutMissing). */
async function existingLeadingLocks(sql: Sql, step: LockedStatements): Promise<LockedStatements> {
  if (step.leading.length === 0) return step;
  const relations = step.leading.map((lock) => lock.relation);
  const found = await sql<{ relation: string }[]>`
    select r as relation from unnest(${relations}::text[]) r where to_regclass(r) is not null`;
  const existing = new Set(found.map((row) => row.relation));
  return withoutMissing(step, (relation) => existing.has(relation));
}

const orderedStatements = (step: LockedStatements): string[] => [...step.leading.map((l) => l.statement), ...step.rest];

async function runAttempt(
  sql: Sql,
  step: LockedStatements,
  lockTimeoutMs: number,
  record: LockedDdlOptions['record'],
): Promise<AttemptFailure | undefined> {
  let watch: BlockerWatch | undefined;
  let index: number | undefined;
  let holdersOfFailedLock: Promise<SampledBlocker[]> | undefined;
  try {
    await sql.begin(async (tx) => {
      const [session] = await tx<{ pid: number }[]>`
        select pg_backend_pid() as pid, set_config('lock_timeout', ${String(lockTimeoutMs)}, true), set_config('statement_timeout', '0', true)`;
      const pid = session?.pid ?? 0;
      const budget = new LockWaitBudget(lockTimeoutMs, await leastDeadlockTimeoutMs(tx));
      const activeWatch = watchBlockers(sql, pid);
      watch = activeWatch;
      let current = lockTimeoutMs;
      const ordered = orderedStatements(step);
      for (const [i, statement] of ordered.entries()) {
        index = i;
        const askedAt = performance.now();
        const timeout = budget.timeoutAt(askedAt);
        activeWatch.expect(timeout);
        // Who holds the table a leading lock asks for, asked alongside it: a wait too brief to be
        // sampled still names them (once it fails, our locks are gone and so may be theirs).
        const lock = step.leading[i];
        const holdersNow = lock === undefined ? undefined : findHolders(sql, lock.relation, lock.mode, pid).catch(() => []);
        // One round trip: the statement's own lock_timeout goes with it (simple protocol, no parameters).
        await tx.unsafe(timeout === current ? statement : `set local lock_timeout = ${timeout}; ${statement}`).catch((error: unknown) => {
          holdersOfFailedLock = holdersNow;
          throw error;
        });
        current = timeout;
        // Whether it left us holding a table lock; after the last statement nobody asks.
        const more = i < ordered.length - 1;
        if (!budget.holding && more && (i < step.leading.length || (await holdsTableLock(tx)))) budget.held(askedAt, performance.now());
      }
      index = undefined;
      // The record writes to online's own tables, under the last statement's lock_timeout.
      await record?.(tx);
    });
  } catch (error) {
    // Awaited only now, the transaction's connection back in the pool, whatever the pool's size.
    const sampled = (await watch?.stop()) ?? [];
    const holders = (await holdersOfFailedLock) ?? [];
    return { error, index, blockers: sampled.length > 0 ? sampled : holders };
  }
  await watch?.stop();
  return undefined;
}

/** Whether this transaction holds a lock on a table (or other relation) of the database, not a catalog. */
async function holdsTableLock(tx: TransactionSql): Promise<boolean> {
  const [row] = await tx<{ holding: boolean }[]>`
    select exists (select from pg_locks where pid = pg_backend_pid() and locktype = 'relation' and granted and relation >= 16384
                     and database = (select oid from pg_database where datname = current_database())) as holding`;
  return row?.holding === true;
}
