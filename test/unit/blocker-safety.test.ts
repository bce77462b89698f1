// The safety limits of --cancel-blockers-after, as a pure rule over a session read from
// pg_stat_activity and pg_locks: who is cancelled, who is terminated, and who is left alone and why.
import { describe, expect, it } from 'vitest';
import { decideOnBlocker, isOnlineSession, writesOf, type BlockerSession } from '../../src/db/blocker-safety.js';

const reader: BlockerSession = {
  pid: 4242,
  application: 'billing',
  user: 'app',
  superuser: false,
  backendType: 'client backend',
  state: 'active',
  transactionAgeSeconds: 12,
  query: 'select count(*) from tickets',
  queryKind: 'dml',
  strongLock: null,
  tablesWritten: 0,
  hasTransactionId: false,
  waitingForLock: false,
  waitingForUs: false,
};
const limits = { terminate: false, superusers: false, maxWrites: 0 };

describe('deciding on a blocker', () => {
  it('cancels an active statement of a transaction that wrote nothing', () => {
    expect(decideOnBlocker(reader, limits)).toEqual({ act: 'cancel' });
  });

  it('leaves a session idle in transaction alone unless told to terminate it, saying why', () => {
    const idle = { ...reader, state: 'idle in transaction' };
    expect(decideOnBlocker(idle, limits)).toEqual({
      act: 'leave',
      reason: 'idle in transaction: a cancel would not release its locks; --terminate-blockers would end its session',
    });
    expect(decideOnBlocker(idle, { ...limits, terminate: true })).toEqual({ act: 'terminate' });
  });

  it('never acts on a session holding a lock stronger than ROW EXCLUSIVE, whatever it runs now', () => {
    const locker = { ...reader, state: 'idle in transaction', strongLock: 'ShareLock on tickets' };
    expect(decideOnBlocker(locker, { terminate: true, superusers: true, maxWrites: 100 })).toEqual({
      act: 'leave',
      reason: 'it holds ShareLock on tickets, stronger than any DML takes: DDL or an explicit LOCK TABLE',
    });
  });

  it('never acts on a session whose statement is DDL or LOCK TABLE, or cannot be read', () => {
    const all = { terminate: true, superusers: true, maxWrites: 100 };
    expect(decideOnBlocker({ ...reader, queryKind: 'lock' }, all)).toEqual({ act: 'leave', reason: 'its statement is a LOCK TABLE' });
    expect(decideOnBlocker({ ...reader, queryKind: 'ddl' }, all)).toEqual({ act: 'leave', reason: 'its statement is DDL' });
    expect(decideOnBlocker({ ...reader, queryKind: 'unreadable' }, all)).toMatchObject({
      act: 'leave',
      reason: expect.stringContaining('may be DDL'),
    });
  });

  it("leaves a superuser's session alone unless asked", () => {
    const admin = { ...reader, user: 'postgres', superuser: true };
    expect(decideOnBlocker(admin, limits)).toEqual({
      act: 'leave',
      reason: "a superuser's session (postgres): --cancel-superuser-blockers would cancel it",
    });
    expect(decideOnBlocker(admin, { ...limits, superusers: true })).toEqual({ act: 'cancel' });
  });

  it('counts the tables a transaction wrote, and leaves one over --max-blocker-writes alone', () => {
    expect(writesOf({ tablesWritten: 0, hasTransactionId: false })).toBe(0);
    // A transaction id and no table held ROW EXCLUSIVE: rows locked FOR UPDATE (or FOR SHARE) count as one.
    expect(writesOf({ tablesWritten: 0, hasTransactionId: true })).toBe(1);
    expect(writesOf({ tablesWritten: 3, hasTransactionId: true })).toBe(3);
    const writer = { ...reader, tablesWritten: 2, hasTransactionId: true };
    expect(decideOnBlocker(writer, limits)).toEqual({
      act: 'leave',
      reason: 'its transaction has written to 2 tables, more than --max-blocker-writes 0: cancelling would roll that back',
    });
    expect(decideOnBlocker(writer, { ...limits, maxWrites: 1 })).toMatchObject({
      act: 'leave',
      reason: expect.stringContaining('2 tables, more than --max-blocker-writes 1'),
    });
    expect(decideOnBlocker(writer, { ...limits, maxWrites: 2 })).toEqual({ act: 'cancel' });
  });

  it("never acts on online's own sessions, a background process, or a session waiting for a lock", () => {
    const all = { terminate: true, superusers: true, maxWrites: 100 };
    expect(decideOnBlocker({ ...reader, application: 'online' }, all)).toEqual({ act: 'leave', reason: "one of online's own sessions" });
    expect(decideOnBlocker({ ...reader, application: 'online migrate 12@host' }, all)).toMatchObject({ act: 'leave' });
    expect(isOnlineSession('onlineshop')).toBe(false);
    expect(decideOnBlocker({ ...reader, application: 'onlineshop' }, all)).toEqual({ act: 'cancel' });
    expect(decideOnBlocker({ ...reader, backendType: 'autovacuum worker' }, all)).toMatchObject({
      act: 'leave',
      reason: expect.stringContaining('wraparound'),
    });
    expect(decideOnBlocker({ ...reader, backendType: 'walsender' }, all)).toEqual({
      act: 'leave',
      reason: 'not a client backend (walsender)',
    });
    expect(decideOnBlocker({ ...reader, waitingForUs: true }, all)).toMatchObject({
      act: 'leave',
      reason: expect.stringContaining('our attempt held'),
    });
    expect(decideOnBlocker({ ...reader, waitingForLock: true }, all)).toMatchObject({
      act: 'leave',
      reason: expect.stringContaining('queued ahead of us'),
    });
  });

  it('acts only on a running statement or a transaction left idle', () => {
    expect(decideOnBlocker({ ...reader, state: 'idle' }, { ...limits, terminate: true })).toEqual({
      act: 'leave',
      reason: 'its state is idle: a cancel reaches only a running statement',
    });
  });
});
