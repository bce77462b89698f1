import { describe, expect, it } from 'vitest';
import { LockWaitBudget, shortLockTimeoutMs } from '../../src/db/lock-wait-budget.js';

describe('the short lock wait (a fraction of deadlock_timeout, never more than lock_timeout)', () => {
  it('is deadlock_timeout / 5, capped by lock_timeout, at least 1 ms', () => {
    expect(shortLockTimeoutMs(1_000, 1_000)).toBe(200);
    expect(shortLockTimeoutMs(150, 1_000)).toBe(150);
    expect(shortLockTimeoutMs(5_000, 60_000)).toBe(5_000);
    expect(shortLockTimeoutMs(1_000, 3)).toBe(1);
  });
});

describe('LockWaitBudget: the lock_timeout of each statement of one attempt', () => {
  it('gives the full lock_timeout until the attempt holds a lock', () => {
    const budget = new LockWaitBudget(1_000, 1_000);
    expect(budget.holding).toBe(false);
    expect(budget.timeoutAt(0)).toBe(1_000);
    expect(budget.timeoutAt(5_000)).toBe(1_000);
  });

  it('then ends every wait within the short timeout of taking the first lock', () => {
    const budget = new LockWaitBudget(1_000, 1_000);
    budget.held(0, 10);
    expect(budget.holding).toBe(true);
    expect(budget.timeoutAt(10)).toBe(200);
    expect(budget.timeoutAt(110)).toBe(100);
    expect(budget.timeoutAt(209)).toBe(1);
  });

  it('and within half of deadlock_timeout of asking for it: a writer queued behind the first request checks for deadlocks no sooner than deadlock_timeout after it', () => {
    const budget = new LockWaitBudget(1_000, 1_000);
    budget.held(0, 400);
    expect(budget.timeoutAt(400)).toBe(100);
    expect(budget.timeoutAt(499)).toBe(1);
  });

  it('waits 1 ms (lock_timeout 0 would mean forever) once the budget is spent: a free lock is still granted', () => {
    const budget = new LockWaitBudget(1_000, 1_000);
    budget.held(0, 900);
    expect(budget.timeoutAt(900)).toBe(1);
    expect(budget.timeoutAt(10_000)).toBe(1);
  });

  it('keeps the first lock as the start: a later statement that also took locks does not move the deadline', () => {
    const budget = new LockWaitBudget(1_000, 1_000);
    budget.held(0, 10);
    budget.held(100, 150);
    expect(budget.timeoutAt(150)).toBe(60);
  });

  it('follows the server deadlock_timeout it is given', () => {
    const budget = new LockWaitBudget(1_000, 100);
    expect(budget.timeoutAt(0)).toBe(1_000);
    budget.held(0, 5);
    expect(budget.timeoutAt(5)).toBe(20);
  });
});
