import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors/index.js';
import { parseSpec } from '../../src/migration-spec/load-spec.js';

const issues = (operations: readonly Record<string, unknown>[]): readonly string[] => {
  try {
    parseSpec({ operations }, 'x');
    return [];
  } catch (error) {
    if (error instanceof SpecError) return error.issues;
    throw error;
  }
};

const addC = { op: 'add-column', table: 't', column: 'c', type: 'int' };
const retypeC = { op: 'change-type', table: 't', column: 'c', type: 'bigint' };
const renameC = { op: 'rename-column', table: 't', column: 'c', to: 'd' };
const dropC = { op: 'drop-column', table: 't', column: 'c' };
const notNullC = { op: 'set-not-null', table: 't', column: 'c' };
const backfillC = { op: 'backfill', table: 't', set: { c: '1' } };
const indexC = { op: 'create-index', table: 't', columns: ['c'] };
const uniqueC = { op: 'add-unique', table: 't', columns: ['c'] };

describe('conflicting operations in one spec', () => {
  it.each([
    ['two add-columns of one column', [addC, { ...addC, type: 'text' }], 'add-column adds column public.t.c, and add-column also adds it'],
    [
      'add-column and a rename onto it',
      [addC, { ...renameC, column: 'b', to: 'c' }],
      'add-column adds column public.t.c, and rename-column also adds it',
    ],
    ['add-column and change-type', [addC, retypeC], 'add-column adds column public.t.c, and change-type changes the type of it'],
    ['add-column and drop-column', [addC, dropC], 'add-column adds column public.t.c, and drop-column drops it'],
    [
      'change-type and rename-column',
      [retypeC, renameC],
      'change-type changes the type of column public.t.c, and rename-column renames it',
    ],
    [
      'two change-types',
      [retypeC, { ...retypeC, type: 'numeric' }],
      'change-type changes the type of column public.t.c, and change-type also changes the type of it',
    ],
    [
      'change-type and an index on the column',
      [retypeC, indexC],
      'change-type changes the type of column public.t.c, and create-index indexes or constrains it',
    ],
    [
      'set-not-null and change-type',
      [notNullC, retypeC],
      'set-not-null makes column public.t.c NOT NULL, and change-type changes the type of it',
    ],
    [
      'two set-not-nulls',
      [notNullC, { ...notNullC, backfill: '0' }],
      'set-not-null makes column public.t.c NOT NULL, and set-not-null also makes it NOT NULL',
    ],
    [
      'two backfills of one column',
      [backfillC, { ...backfillC, set: { c: '2', e: '3' } }],
      'backfill backfills column public.t.c, and backfill also backfills it',
    ],
    ['a backfill of a column that is dropped', [backfillC, dropC], 'backfill backfills column public.t.c, and drop-column drops it'],
    [
      'renames chained in one spec',
      [renameC, { ...renameC, column: 'd', to: 'e' }],
      'rename-column adds column public.t.d, and rename-column renames it',
    ],
    [
      'a foreign key to a column that changes type',
      [{ op: 'add-foreign-key', table: 'o', columns: ['t_c'], references: { table: 't', columns: ['c'] } }, retypeC],
      'add-foreign-key indexes or constrains column public.t.c, and change-type changes the type of it',
    ],
    ['two indexes of one name', [indexC, { ...indexC, columns: ['c', 'd'], name: 't_c_idx' }], 'both name the index public.t_c_idx'],
    [
      'an index and a unique constraint of one name',
      [
        { ...indexC, name: 'k' },
        { ...uniqueC, table: 'u', name: 'k' },
      ],
      'both name the index public.k',
    ],
    [
      'drop-index and create-index of one name',
      [{ op: 'drop-index', table: 't', name: 't_c_idx' }, indexC],
      'both name the index public.t_c_idx',
    ],
    [
      'two checks of one name',
      [
        { op: 'add-check', table: 't', check: 'c > 0', name: 'k' },
        { op: 'add-check', table: 't', check: 'c < 9', name: 'k' },
      ],
      'both name the constraint k on public.t',
    ],
    [
      'the same check twice',
      [
        { op: 'add-check', table: 't', check: 'c > 0' },
        { op: 'add-check', table: 't', check: 'c > 0' },
      ],
      /both name the constraint t_[0-9a-f]{8}_check on public\.t/,
    ],
    [
      'create-table and a change of that table',
      [{ op: 'create-table', table: 't', columns: [{ name: 'id', type: 'int' }] }, addC],
      'create-table creates table public.t, and add-column changes it',
    ],
    [
      'drop-table and a change of that table',
      [indexC, { op: 'drop-table', table: 't' }],
      'create-index changes table public.t, and drop-table drops it',
    ],
  ])('refuses %s, naming both operations', (_what, operations, reason) => {
    const found = issues(operations);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^operations\[1\]: conflicts with operations\[0\]: /);
    if (typeof reason === 'string') expect(found[0]).toContain(reason);
    else expect(found[0]).toMatch(reason);
  });

  it.each([
    [
      'indexes and constraints on one column',
      [indexC, uniqueC, { op: 'add-foreign-key', table: 't', columns: ['c'], references: { table: 'u', columns: ['id'] } }],
    ],
    ['a backfill, then NOT NULL', [backfillC, notNullC]],
    ['an added column and an index on it (pre-flight decides)', [addC, { ...indexC, columns: ['c'] }]],
    ['the same column name on two tables', [addC, { ...addC, table: 'u' }, { ...retypeC, schema: 'other' }]],
    [
      'two tables created together',
      [
        { op: 'create-table', table: 'a', columns: [{ name: 'id', type: 'int' }] },
        { op: 'create-table', table: 'b', columns: [{ name: 'id', type: 'int' }] },
      ],
    ],
    ['sql operations, which are opaque', [{ op: 'sql', phase: 'expand', sql: 'select 1', tables: [{ table: 't' }] }, retypeC]],
  ])('allows %s', (_what, operations) => {
    expect(issues(operations)).toEqual([]);
  });

  it('reports each conflicting operation once, against the first it conflicts with', () => {
    expect(issues([addC, { ...addC, type: 'text' }, { ...addC, type: 'bigint' }])).toEqual([
      'operations[1]: conflicts with operations[0]: add-column adds column public.t.c, and add-column also adds it; put them in separate specs',
      'operations[2]: conflicts with operations[0]: add-column adds column public.t.c, and add-column also adds it; put them in separate specs',
    ]);
  });
});
