// The progress line of a lock retry: why the attempt was rolled back, on which statement, and who held the lock.
import { describeBlocker } from '../errors/index.js';
import type { OnlineEvent } from '../events.js';

type LockRetryEvent = Extract<OnlineEvent, { type: 'lock-retry' }>;

/** The text on one line, cut to `max` characters with an ellipsis. */
export const shorten = (text: string, max: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
};

export function lockRetryLine(event: LockRetryEvent): string {
  const why = event.cause === 'deadlock' ? 'chosen as a deadlock victim' : 'lock not available';
  const who =
    event.blockers.length === 0
      ? 'no blocker seen'
      : `blocked by ${event.blockers.map((b) => describeBlocker({ ...b, query: b.query === null ? null : shorten(b.query, 120) })).join('; ')}`;
  return `  … ${why} (${shorten(event.statement, 100)}), retry ${event.attempt}/${event.attempts} in ${event.waitMs} ms; ${who}`;
}
