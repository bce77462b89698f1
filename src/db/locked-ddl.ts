// Runs DDL that takes a strong lock: short lock_timeout, retries with backoff, blockers named on failure.
import { LockTimeoutError } from '../errors/index.js';
import { backoffDelay, defaultBackoff, sleep, type BackoffPolicy } from './backoff.js';
import { watchBlockers } from './blockers.js';
import { sqlState, type Sql, type TransactionSql } from './connect.js';

export interface LockPolicy {
  /** How long one attempt may wait for its lock; traffic queues behind us for at most about this. */
  readonly lockTimeoutMs: number;
  /** Attempts before giving up with a LockTimeoutError. */
  readonly lockRetries: number;
}

export interface LockRetry {
  readonly attempt: number;
  readonly attempts: number;
  readonly waitMs: number;
  readonly statement: string;
}

export interface LockedDdlOptions extends LockPolicy {
  readonly backoff?: BackoffPolicy;
  readonly onRetry?: (retry: LockRetry) => void;
  /** Runs in the DDL's own transaction, after the statements: the step's record commits with it. */
  readonly record?: (tx: TransactionSql) => Promise<void>;
  readonly signal?: AbortSignal;
}

const LOCK_NOT_AVAILABLE = '55P03';

/** Executes the statements in one transaction under `lock_timeout`, retrying lock timeouts. */
export async function runLockedDdl(sql: Sql, statements: readonly string[], options: LockedDdlOptions): Promise<void> {
  const attempts = Math.max(1, options.lockRetries);
  const lockTimeoutMs = Math.max(1, Math.round(options.lockTimeoutMs));
  for (let attempt = 1; ; attempt++) {
    let watcher: ReturnType<typeof watchBlockers> | undefined;
    try {
      await sql.begin(async (tx) => {
        const [self] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
        await tx.unsafe(`set local lock_timeout = ${lockTimeoutMs}`);
        await tx.unsafe('set local statement_timeout = 0');
        watcher = watchBlockers(sql, self?.pid ?? 0, Math.floor(lockTimeoutMs * 0.6));
        for (const statement of statements) await tx.unsafe(statement);
        await options.record?.(tx);
      });
      await watcher?.stop();
      return;
    } catch (error) {
      const blockers = (await watcher?.stop()) ?? [];
      if (sqlState(error) !== LOCK_NOT_AVAILABLE) throw error;
      const statement = statements.join('; ');
      if (attempt >= attempts || options.signal?.aborted === true) {
        throw new LockTimeoutError(statement, attempt, blockers, { cause: error });
      }
      const waitMs = backoffDelay(attempt, options.backoff ?? defaultBackoff);
      options.onRetry?.({ attempt, attempts, waitMs, statement });
      await sleep(waitMs, options.signal);
    }
  }
}
