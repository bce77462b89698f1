import { describe, expect, it } from 'vitest';
import {
  addColumnNames,
  defaultObjectName,
  fitIdentifier,
  rebuildNames,
  setNotNullNames,
  shadowName,
  type NameTarget,
} from '../../src/ddl/object-names.js';

const allNames = (target: NameTarget): string[] => [
  ...Object.values(addColumnNames(target)),
  ...Object.values(setNotNullNames(target)),
  ...Object.values(rebuildNames(target)),
];
const bytes = (name: string): number => Buffer.byteLength(name);
/** A string survives a round trip through UTF-8 only if no character was split (a lone surrogate becomes U+FFFD). */
const wholeCodePoints = (name: string): boolean => Buffer.from(name).toString() === name;

describe('names of the objects online creates', () => {
  it('tells table a_b column c from table a column b_c (they read alike, the hash differs)', () => {
    const ab = { schema: 'public', table: 'a_b', column: 'c' };
    const a = { schema: 'public', table: 'a', column: 'b_c' };
    expect(addColumnNames(ab).fn).toMatch(/^online_fill_a_b_c_[0-9a-f]{10}$/);
    expect(addColumnNames(a).fn).toMatch(/^online_fill_a_b_c_[0-9a-f]{10}$/);
    for (const [i, name] of allNames(ab).entries()) expect(name).not.toBe(allNames(a)[i]);
    // The schema is part of the target too.
    expect(addColumnNames({ ...ab, schema: 'other' }).fn).not.toBe(addColumnNames(ab).fn);
  });

  it('says what each object is, and gives each kind its own name', () => {
    const target = { schema: 'public', table: 'tickets', column: 'priority' };
    const hash = addColumnNames(target).fn.slice(-10);
    expect(addColumnNames(target)).toEqual({
      fn: `online_fill_tickets_priority_${hash}`,
      insertTrigger: `online_fill_insert_tickets_priority_${hash}`,
      updateTrigger: `online_fill_update_tickets_priority_${hash}`,
      notNullCheck: `online_nn_tickets_priority_${hash}`,
    });
    expect(setNotNullNames(target)).toEqual({
      fn: `online_snn_fill_tickets_priority_${hash}`,
      trigger: `online_snn_fill_tickets_priority_${hash}`,
      check: `online_snn_tickets_priority_${hash}`,
    });
    expect(rebuildNames(target)).toEqual({
      fn: `online_sync_tickets_priority_${hash}`,
      check: `online_convert_tickets_priority_${hash}`,
      insertTrigger: `online_sync_insert_tickets_priority_${hash}`,
      updateTrigger: `online_sync_update_tickets_priority_${hash}`,
      notNull: `online_sync_nn_tickets_priority_${hash}`,
    });
    // Functions, triggers and constraints of different operations on one column never share a name
    // (set-not-null's function and trigger share one, in different namespaces).
    const names = allNames(target);
    expect(new Set(names).size).toBe(names.length - 1);
  });

  it('is stable: the same target always gets the same names (a resumed plan and a re-planned one agree)', () => {
    const target = { schema: 'public', table: 'tickets', column: 'priority' };
    // sha256('["public","tickets","priority"]'), first 10 hex digits: fixed forever, or plans change.
    expect(addColumnNames(target).fn).toBe('online_fill_tickets_priority_531db6e43e');
    expect(allNames({ ...target })).toEqual(allNames(target));
  });

  it('stays within 63 bytes at and above the limit, cutting whole code points and keeping the hash', () => {
    const cases: NameTarget[] = [
      { schema: 'public', table: 't'.repeat(63), column: 'c'.repeat(63) },
      { schema: 'public', table: 'tickets', column: 'c'.repeat(63) },
      { schema: 'public', table: 't'.repeat(63), column: 'id' },
      { schema: 'public', table: 'é'.repeat(31), column: '日本語'.repeat(7) },
      { schema: 'public', table: '😀'.repeat(15), column: 'x😀'.repeat(12) },
    ];
    for (const target of cases) {
      for (const name of allNames(target)) {
        expect(bytes(name)).toBeLessThanOrEqual(63);
        expect(name).toMatch(/^online_[a-z_]+_.+_[0-9a-f]{10}$/u);
        expect(wholeCodePoints(name)).toBe(true);
      }
    }
    // A long column keeps a readable start of both the table and the column.
    expect(addColumnNames({ schema: 'public', table: 'tickets', column: 'c'.repeat(63) }).fn).toMatch(
      /^online_fill_tickets_c{30,}_[0-9a-f]{10}$/,
    );
    expect(rebuildNames({ schema: 'public', table: 't'.repeat(63), column: 'c'.repeat(63) }).updateTrigger).toMatch(
      /^online_sync_update_t{16}_c{16}_[0-9a-f]{10}$/,
    );
    // Long names that differ only past the cut still differ.
    const one = addColumnNames({ schema: 'public', table: 'tickets', column: `${'c'.repeat(62)}1` });
    const two = addColumnNames({ schema: 'public', table: 'tickets', column: `${'c'.repeat(62)}2` });
    expect(one.fn).not.toBe(two.fn);
    expect(bytes(addColumnNames({ schema: 'public', table: 'a'.repeat(20), column: 'b'.repeat(20) }).fn)).toBe(63);
  });

  it('names copies <name>_online_new, cut with a hash of the full name when that is too long', () => {
    expect(shadowName('users_pkey')).toBe('users_pkey_online_new');
    expect(shadowName('x'.repeat(52))).toBe(`${'x'.repeat(52)}_online_new`);
    const long = shadowName('x'.repeat(53));
    expect(bytes(long)).toBe(63);
    expect(long).toMatch(/^x+_[0-9a-f]{10}_online_new$/);
    expect(shadowName(`${'x'.repeat(60)}a`)).not.toBe(shadowName(`${'x'.repeat(60)}b`));
    const accented = shadowName('é'.repeat(31));
    expect(bytes(accented)).toBeLessThanOrEqual(63);
    expect(wholeCodePoints(accented)).toBe(true);
  });

  it('defaults the user’s own object names like PostgreSQL, and keeps the suffix when cutting', () => {
    expect(defaultObjectName('tickets', ['status', 'created_at'], 'idx')).toBe('tickets_status_created_at_idx');
    const long = defaultObjectName('t'.repeat(60), ['status'], 'key');
    expect(bytes(long)).toBe(63);
    expect(long).toMatch(/^t+_[0-9a-f]{10}_key$/);
    expect(fitIdentifier('short')).toBe('short');
    expect(fitIdentifier('😀'.repeat(20))).toMatch(/^(😀)+_[0-9a-f]{10}$/u);
  });
});
