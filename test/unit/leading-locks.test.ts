import { describe, expect, it } from 'vitest';
import { leadWith, parseTableLock, splitLeadingLocks, withoutMissing } from '../../src/db/leading-locks.js';
import { pgLocksMode, strongerMode } from '../../src/db/lock-modes.js';
import { lockTablesFirst } from '../../src/ddl/lock-tables-first.js';

describe('lock modes', () => {
  it('merges two modes into the weakest that blocks everything either blocks', () => {
    expect(strongerMode('share row exclusive', 'access exclusive')).toBe('access exclusive');
    expect(strongerMode('row share', 'share update exclusive')).toBe('share update exclusive');
    expect(strongerMode('share update exclusive', 'share')).toBe('share row exclusive');
    expect(strongerMode('row exclusive', 'share')).toBe('share row exclusive');
    expect(strongerMode('access share', 'access share')).toBe('access share');
  });

  it('spells modes as pg_locks does', () => {
    expect(pgLocksMode('share row exclusive')).toBe('ShareRowExclusiveLock');
    expect(pgLocksMode('access share')).toBe('AccessShareLock');
    expect(pgLocksMode('share')).toBe('ShareLock');
  });
});

describe('lockTablesFirst (planning)', () => {
  const users = { schema: 'public', name: 'users' };
  const orders = { schema: 'Sales', name: 'Order "Lines"' };

  it('one LOCK TABLE per table in the order given, the strongest mode each table needs', () => {
    expect(
      lockTablesFirst([
        { table: users, mode: 'share row exclusive' },
        { table: orders, mode: 'share row exclusive' },
        { table: users, mode: 'access exclusive' },
      ]),
    ).toEqual(['lock table "public"."users" in access exclusive mode', 'lock table "Sales"."Order ""Lines""" in share row exclusive mode']);
  });

  it('nothing for one table, unless asked (a statement that also locks a table it cannot name)', () => {
    expect(
      lockTablesFirst([
        { table: users, mode: 'share row exclusive' },
        { table: users, mode: 'row share' },
      ]),
    ).toEqual([]);
    expect(lockTablesFirst([{ table: users, mode: 'access exclusive' }], 1)).toEqual([
      'lock table "public"."users" in access exclusive mode',
    ]);
  });
});

describe('leading locks (the runner reads them from the statements; stored plans carry no new field)', () => {
  it('parses LOCK TABLE statements, quoted and not, with several tables', () => {
    expect(parseTableLock('lock table "public"."users" in share row exclusive mode')).toEqual({
      relations: ['"public"."users"'],
      mode: 'share row exclusive',
    });
    expect(parseTableLock('LOCK TABLE "a"".b", public.c IN ACCESS  EXCLUSIVE MODE;')).toEqual({
      relations: ['"a"".b"', 'public.c'],
      mode: 'access exclusive',
    });
    expect(parseTableLock('lock users in share mode')).toEqual({ relations: ['users'], mode: 'share' });
    expect(parseTableLock('lock table users in share mode nowait')).toBeUndefined();
    expect(parseTableLock('alter table users add column x int')).toBeUndefined();
  });

  it('splits a several-table LOCK of a plan stored before (the old swap) into one statement per table', () => {
    const step = splitLeadingLocks([
      'lock table "public"."orders", "public"."users" in access exclusive mode',
      'drop trigger if exists "t" on "public"."users"',
      'lock table "public"."other" in share mode',
    ]);
    expect(step.leading.map((l) => l.statement)).toEqual([
      'lock table "public"."orders" in access exclusive mode',
      'lock table "public"."users" in access exclusive mode',
    ]);
    expect(step.rest).toEqual(['drop trigger if exists "t" on "public"."users"', 'lock table "public"."other" in share mode']);
  });

  it('has no leading locks when the first statement is something else', () => {
    expect(splitLeadingLocks(['alter table "public"."t" add column "c" int']).leading).toEqual([]);
  });

  it('moves the lock that failed to the front for the next attempt, the others keeping their order', () => {
    const step = splitLeadingLocks(['lock table a in share mode', 'lock table b in share mode', 'lock table c in share mode', 'select 1']);
    expect(leadWith(step, 2).leading.map((l) => l.relation)).toEqual(['c', 'a', 'b']);
    expect(leadWith(step, 2).rest).toEqual(['select 1']);
    expect(leadWith(step, 0)).toBe(step);
  });
});

describe('leading locks of relations that are gone', () => {
  it('keep `only` in the statement but not in the relation, and drop the locks of missing relations', () => {
    const step = splitLeadingLocks([
      'lock table only "public"."events" in access exclusive mode',
      'lock table only "public"."events_2025_01" in access exclusive mode',
      'alter table "public"."events" add column c int',
    ]);
    expect(step.leading.map((l) => [l.relation, l.statement])).toEqual([
      ['"public"."events"', 'lock table only "public"."events" in access exclusive mode'],
      ['"public"."events_2025_01"', 'lock table only "public"."events_2025_01" in access exclusive mode'],
    ]);
    const kept = withoutMissing(step, (relation) => relation !== '"public"."events_2025_01"');
    expect(kept.leading.map((l) => l.relation)).toEqual(['"public"."events"']);
    expect(kept.rest).toEqual(step.rest);
    expect(withoutMissing(step, () => true)).toBe(step);
  });
});
