import { describe, expect, it } from 'vitest';
import { blockerCancelLine } from '../../src/cli/blocker-cancel-line.js';

describe('the blocker-cancel progress line', () => {
  const blocker = {
    pid: 4242,
    application: 'billing',
    user: 'app',
    state: 'active',
    transactionAgeSeconds: 3.14,
    query: 'begin;\n select pg_sleep(60)',
  };
  const statement = 'lock table "public"."tickets" in access exclusive mode';

  it('names the victim, its query, and why it was cancelled', () => {
    const line = blockerCancelLine({
      type: 'blocker-cancel',
      migration: 'm',
      action: 'cancelled',
      reason: 'the step had been retried for 1.2s, past --cancel-blockers-after 1s',
      statement,
      blocker,
    });
    expect(line).toBe(
      '  ✗ cancelled blocker pid 4242 (active, transaction open 3.1s, application billing, user app): begin; select pg_sleep(60); ' +
        'the step had been retried for 1.2s, past --cancel-blockers-after 1s',
    );
  });

  it('says which limit kept a blocker', () => {
    const line = blockerCancelLine({
      type: 'blocker-cancel',
      migration: 'm',
      action: 'left-alone',
      reason: 'idle in transaction: a cancel would not release its locks; --terminate-blockers would end its session',
      statement,
      blocker: { ...blocker, application: '', state: 'idle in transaction', query: 'select 1' },
    });
    expect(line).toBe(
      '  ! left blocker alone: pid 4242 (idle in transaction, transaction open 3.1s, user app): select 1; ' +
        'idle in transaction: a cancel would not release its locks; --terminate-blockers would end its session',
    );
  });
});
