// An application transaction that took a lock and has not committed: it holds the lock until the test
// releases it, so a test decides by events and state (not by a timer racing the run) when it ends.
import postgres from 'postgres';

/**
 * How long a test holds a lock when it measures how long writers queue behind our DDL. A writer stuck
 * behind a DDL that waits for the holder would wait about this long; with lock_timeout (1 s or less in
 * these tests) a writer waits about lock_timeout. Half of it is the bound the tests assert: far above
 * anything lock_timeout plus a busy machine's stalls give, far below a wait for the whole hold.
 */
export const contrastHoldMs = 8_000;

export interface HeldLock {
  /** The holding session's backend pid (what lock-retry events and errors name). */
  readonly pid: number;
  /** performance.now() once the lock was granted. */
  readonly takenAt: number;
  /** Ends the transaction (rollback) and closes its connection; later calls return the same promise. */
  release(): Promise<void>;
}

/** Opens a transaction on its own connection, runs `statement` in it (e.g. a LOCK TABLE), and keeps it open. */
export async function holdLock(url: string, statement: string): Promise<HeldLock> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  const conn = await sql.reserve();
  await conn`begin`;
  await conn.unsafe(statement);
  const [row] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
  const takenAt = performance.now();
  let released: Promise<void> | undefined;
  return {
    pid: row?.pid ?? 0,
    takenAt,
    release() {
      released ??= (async () => {
        await conn`rollback`;
        conn.release();
        await sql.end();
      })();
      return released;
    },
  };
}

/**
 * Releases `lock` once `happened` has resolved (the run met the lock: e.g. its first lock retry) and the
 * lock has been held for at least `ms`. Returns how long it was held.
 */
export async function releaseAfter(lock: HeldLock, happened: Promise<unknown>, ms: number): Promise<number> {
  await happened;
  const left = lock.takenAt + ms - performance.now();
  // Kept: holding the lock this long is the subject (a hold far beyond lock_timeout), not a wait.
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  const heldMs = performance.now() - lock.takenAt;
  await lock.release();
  return heldMs;
}
