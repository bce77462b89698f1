import { describe, expect, it } from 'vitest';
import { lockRetryLine } from '../../src/cli/lock-retry-line.js';

describe('the lock-retry progress line', () => {
  const base = {
    type: 'lock-retry',
    migration: 'm',
    attempt: 2,
    attempts: 30,
    waitMs: 180,
    statement: 'lock table "public"."history" in share row exclusive mode',
  } as const;

  it('says why, on which statement, and names every blocker with its state, age and query', () => {
    const line = lockRetryLine({
      ...base,
      cause: 'lock-timeout',
      blockers: [
        {
          pid: 4242,
          state: 'idle in transaction',
          transactionAgeSeconds: 8.04,
          query: 'update accounts\n   set balance = balance + 1 where id = 1',
        },
      ],
    });
    expect(line).toBe(
      '  … lock not available (lock table "public"."history" in share row exclusive mode), retry 2/30 in 180 ms; ' +
        'blocked by pid 4242 (idle in transaction, transaction open 8.0s): update accounts set balance = balance + 1 where id = 1',
    );
  });

  it("names the blocker's application when it set one", () => {
    const line = lockRetryLine({
      ...base,
      cause: 'lock-timeout',
      blockers: [{ pid: 7, application: 'billing', state: 'active', transactionAgeSeconds: 1, query: `select ${'x, '.repeat(80)}1` }],
    });
    expect(line).toContain('blocked by pid 7 (active, transaction open 1.0s, application billing): select x, x,');
    expect(line.endsWith('…')).toBe(true);
  });

  it('names a deadlock as the cause, and says when no blocker was seen', () => {
    expect(lockRetryLine({ ...base, cause: 'deadlock', blockers: [] })).toBe(
      '  … chosen as a deadlock victim (lock table "public"."history" in share row exclusive mode), retry 2/30 in 180 ms; no blocker seen',
    );
  });
});
