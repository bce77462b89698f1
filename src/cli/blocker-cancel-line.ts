// The progress line of --cancel-blockers-after acting on a blocker, or leaving it alone: who it is
// (pid, state, transaction age, application, user), what it runs, and why.
import type { OnlineEvent } from '../events.js';
import { shorten } from './lock-retry-line.js';

type BlockerCancelEvent = Extract<OnlineEvent, { type: 'blocker-cancel' }>;

const verbs: Readonly<Record<BlockerCancelEvent['action'], string>> = {
  cancelled: 'cancelled blocker',
  terminated: 'terminated blocker',
  'left-alone': 'left blocker alone:',
};

export function blockerCancelLine(event: BlockerCancelEvent): string {
  const b = event.blocker;
  const age = b.transactionAgeSeconds === null ? 'no transaction' : `transaction open ${b.transactionAgeSeconds.toFixed(1)}s`;
  const who = [
    b.state ?? 'unknown state',
    age,
    ...(b.application ? [`application ${b.application}`] : []),
    ...(b.user ? [`user ${b.user}`] : []),
  ];
  const query = b.query === null ? '<no query>' : shorten(b.query, 120);
  return `  ${event.action === 'left-alone' ? '!' : '✗'} ${verbs[event.action]} pid ${b.pid} (${who.join(', ')}): ${query}; ${event.reason}`;
}
