// How long each lock wait of one attempt of a locked step may last, so that no writer is ever the
// victim of a deadlock with our DDL.
//
// PostgreSQL's deadlock check runs once per wait, in the waiting session, deadlock_timeout after the
// wait began, and the session that finds a cycle aborts itself. A cycle through us needs us to WAIT
// while we HOLD a lock someone else waits for. So:
// - until the attempt holds a table lock, a wait is as long as lock_timeout: no cycle can pass
//   through a session that holds nothing (a writer queued behind our request is a soft edge, which the
//   check resolves by reordering the queue, not by aborting anyone);
// - once it holds one, every further wait ends both within SHORT of taking that lock and within half
//   of deadlock_timeout of asking for it. Writers can only queue behind us from the moment we ask, so
//   their deadlock check comes at least deadlock_timeout after that: by then we have stopped waiting
//   (and either hold everything or have rolled back), with half of deadlock_timeout to spare for a
//   busy machine (the client keeps the clock, the server enforces each timeout, round trips between).
//
// SHORT is deadlock_timeout / 5 (200 ms at the default 1 s), never more than lock_timeout: long enough
// for the in-flight transactions of a busy table to finish (they take milliseconds), short enough that
// two or three such waits still fit in the half of deadlock_timeout, and it bounds how long a writer
// queued on our first table waits beyond lock_timeout. When the budget is spent the wait gets 1 ms
// (lock_timeout 0 would mean no limit): a free lock is still granted, a taken one fails at once and the
// attempt is retried from the start.

/** The short timeout: deadlock_timeout / 5, at most lock_timeout, at least 1 ms. */
export function shortLockTimeoutMs(lockTimeoutMs: number, deadlockTimeoutMs: number): number {
  return Math.max(1, Math.min(lockTimeoutMs, Math.floor(deadlockTimeoutMs / 5)));
}

export class LockWaitBudget {
  readonly shortMs: number;
  #deadline: number | undefined;

  constructor(
    readonly lockTimeoutMs: number,
    readonly deadlockTimeoutMs: number,
  ) {
    this.shortMs = shortLockTimeoutMs(lockTimeoutMs, deadlockTimeoutMs);
  }

  /** Whether the attempt holds a table lock (from then on every wait is short). */
  get holding(): boolean {
    return this.#deadline !== undefined;
  }

  /** The statement sent at `askedAt` left the attempt holding a table lock, seen at `heldAt`. */
  held(askedAt: number, heldAt: number): void {
    this.#deadline ??= Math.min(askedAt + this.deadlockTimeoutMs / 2, heldAt + this.shortMs);
  }

  /** The lock_timeout for a statement sent at `now`, in whole milliseconds. */
  timeoutAt(now: number): number {
    if (this.#deadline === undefined) return this.lockTimeoutMs;
    return Math.max(1, Math.min(this.shortMs, Math.floor(this.#deadline - now)));
  }
}
