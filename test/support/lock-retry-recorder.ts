// Collects a run's lock-retry events, and tells a test when the first one arrives (the moment the run
// has met a lock held elsewhere), so the test can act on that event instead of guessing a delay.
import type { OnlineEvent } from '../../src/index.js';

export type LockRetryEvent = Extract<OnlineEvent, { type: 'lock-retry' }>;

export interface LockRetryRecorder {
  /** Every lock-retry event so far, each with performance.now() at its arrival. */
  readonly retries: (LockRetryEvent & { readonly at: number })[];
  /** Resolves at the first lock-retry event. */
  readonly first: Promise<LockRetryEvent>;
  /** The onEvent to give the run (other events pass through to `also`). */
  readonly onEvent: (event: OnlineEvent) => void;
}

export function recordLockRetries(also?: (event: OnlineEvent) => void): LockRetryRecorder {
  const retries: (LockRetryEvent & { at: number })[] = [];
  let resolveFirst: (event: LockRetryEvent) => void = () => undefined;
  const first = new Promise<LockRetryEvent>((resolve) => (resolveFirst = resolve));
  return {
    retries,
    first,
    onEvent(event) {
      also?.(event);
      if (event.type !== 'lock-retry') return;
      retries.push({ ...event, at: performance.now() });
      resolveFirst(event);
    },
  };
}
