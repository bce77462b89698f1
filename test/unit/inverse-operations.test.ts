import { describe, expect, it } from 'vitest';
import { NoSafeInverseError } from '../../src/errors/index.js';
import { parseSpec } from '../../src/migration-spec/load-spec.js';
import { invertOperations, typeChangesBeyond, type Inverse } from '../../src/operations/inverse-operations.js';
import type { OperationPlan } from '../../src/plan/plan.js';
import type { QualifiedName } from '../../src/sql-text/quote.js';

const emptyPlan: OperationPlan = { expand: [], backfill: [], contract: [], rollback: [] };
const tickets = { schema: 'public', name: 'tickets' };

/** The inverse of a spec written as a spec file would write it, checked to be a valid spec itself. */
function inverseOf(operations: readonly unknown[], plan: OperationPlan = emptyPlan): Inverse {
  const spec = parseSpec({ name: 'forward', operations }, 'test');
  const inverse = invertOperations('forward', spec.operations, plan);
  expect(() => parseSpec({ name: 'revert-forward', operations: inverse.operations }, 'test')).not.toThrow();
  return inverse;
}

function refusalOf(operations: readonly unknown[], plan: OperationPlan = emptyPlan): { code: string; exitCode: number; message: string } {
  const spec = parseSpec({ name: 'forward', operations }, 'test');
  try {
    invertOperations('forward', spec.operations, plan);
  } catch (error) {
    if (!(error instanceof NoSafeInverseError)) throw error;
    return { code: error.code, exitCode: error.exitCode, message: error.message };
  }
  return expect.unreachable('no refusal');
}

describe('the inverse of each operation (exact spec)', () => {
  it('add-column becomes drop-column of the same column, without cascade', () => {
    expect(
      inverseOf([{ op: 'add-column', table: 'tickets', column: 'priority', type: 'text', default: "'normal'", nullable: false }]),
    ).toEqual({
      operations: [{ op: 'drop-column', schema: 'public', table: 'tickets', column: 'priority' }],
      constraints: [],
      emptyTables: [],
    });
  });

  it("create-index becomes drop-index of the index's name, given or PostgreSQL's pattern", () => {
    expect(inverseOf([{ op: 'create-index', table: 'tickets', columns: ['status', 'created_at'] }]).operations).toEqual([
      { op: 'drop-index', schema: 'public', table: 'tickets', name: 'tickets_status_created_at_idx' },
    ]);
    expect(inverseOf([{ op: 'create-index', schema: 'app', table: 'tickets', columns: ['status'], name: 'by_status' }]).operations).toEqual(
      [{ op: 'drop-index', schema: 'app', table: 'tickets', name: 'by_status' }],
    );
  });

  // A unique constraint's index goes with it; a check's name is the given one or derived from the expression.
  it.each([
    [{ op: 'add-unique', table: 'tickets', columns: ['email'] }, 'tickets_email_key'],
    [{ op: 'add-check', table: 'tickets', check: 'amount >= 0', name: 'amount_positive' }, 'amount_positive'],
    [{ op: 'add-check', table: 'tickets', check: 'amount >= 0' }, 'tickets_32e629f9_check'],
  ])('%o drops constraint %s in contract, and needs it to exist', (operation, name) => {
    expect(inverseOf([operation])).toEqual({
      operations: [
        {
          op: 'sql',
          phase: 'contract',
          sql: `alter table "public"."tickets" drop constraint "${name}"`,
          tables: [{ schema: 'public', table: 'tickets' }],
        },
      ],
      constraints: [{ table: tickets, name }],
      emptyTables: [],
    });
  });

  it('add-foreign-key drops its constraint, holding both tables', () => {
    const inverse = inverseOf([
      { op: 'add-foreign-key', table: 'tickets', columns: ['assigned_user_id'], references: { table: 'users', columns: ['id'] } },
    ]);
    expect(inverse).toEqual({
      operations: [
        {
          op: 'sql',
          phase: 'contract',
          sql: 'alter table "public"."tickets" drop constraint "tickets_assigned_user_id_fkey"',
          tables: [
            { schema: 'public', table: 'tickets' },
            { schema: 'public', table: 'users' },
          ],
        },
      ],
      constraints: [{ table: tickets, name: 'tickets_assigned_user_id_fkey' }],
      emptyTables: [],
    });
  });

  it('set-not-null becomes DROP NOT NULL in contract', () => {
    expect(inverseOf([{ op: 'set-not-null', table: 'tickets', column: 'priority', backfill: "'normal'" }]).operations).toEqual([
      {
        op: 'sql',
        phase: 'contract',
        sql: 'alter table "public"."tickets" alter column "priority" drop not null',
        tables: [{ schema: 'public', table: 'tickets' }],
      },
    ]);
  });

  it('change-type goes back to the recorded original type, converted by assignment (no using)', () => {
    const plan: OperationPlan = { ...emptyPlan, typesBefore: [{ table: tickets, column: 'id', type: 'integer', default: null }] };
    expect(inverseOf([{ op: 'change-type', table: 'tickets', column: 'id', type: 'bigint' }], plan).operations).toEqual([
      { op: 'change-type', schema: 'public', table: 'tickets', column: 'id', type: 'integer' },
    ]);
  });

  it('change-type that set a default restores the original default', () => {
    const plan: OperationPlan = { ...emptyPlan, typesBefore: [{ table: tickets, column: 'code', type: 'text', default: "'none'::text" }] };
    const forward = [
      { op: 'change-type', table: 'tickets', column: 'code', type: 'integer', using: "nullif(code, 'none')::integer", default: '0' },
    ];
    expect(inverseOf(forward, plan).operations).toEqual([
      { op: 'change-type', schema: 'public', table: 'tickets', column: 'code', type: 'text', default: "'none'::text" },
    ]);
  });

  it('rename-column renames back, instantly when the forward rename was instant', () => {
    expect(inverseOf([{ op: 'rename-column', table: 'tickets', column: 'customer_email', to: 'requester_email' }]).operations).toEqual([
      { op: 'rename-column', schema: 'public', table: 'tickets', column: 'requester_email', to: 'customer_email' },
    ]);
    expect(inverseOf([{ op: 'rename-column', table: 'tickets', column: 'a', to: 'b', instant: true }]).operations).toEqual([
      { op: 'rename-column', schema: 'public', table: 'tickets', column: 'b', to: 'a', instant: true },
    ]);
  });

  it('create-table becomes drop-table, with the table checked empty at the start and again in contract just before the drop', () => {
    expect(inverseOf([{ op: 'create-table', table: 'notes', columns: [{ name: 'id', type: 'bigint' }] }])).toEqual({
      operations: [
        {
          op: 'sql',
          phase: 'contract',
          sql: `do $online$begin if exists (select from "public"."notes") then raise exception 'the table has rows: reverting its create-table would drop them'; end if; end$online$`,
        },
        { op: 'drop-table', schema: 'public', table: 'notes' },
      ],
      constraints: [],
      emptyTables: [{ schema: 'public', name: 'notes' }],
    });
  });

  it('inverts a spec of several operations last first', () => {
    const inverse = inverseOf([
      { op: 'add-column', table: 'tickets', column: 'priority', type: 'text' },
      { op: 'create-index', table: 'tickets', columns: ['priority'] },
    ]);
    expect(inverse.operations.map((o) => o.op)).toEqual(['drop-index', 'drop-column']);
  });
});

describe('no safe inverse: refused with exit 2, the whole spec', () => {
  it.each([
    [
      { op: 'drop-column', table: 'tickets', column: 'legacy' },
      'drop-column of tickets.legacy has no safe inverse: the column and its data are gone',
    ],
    [{ op: 'drop-table', table: 'old' }, 'drop-table of old has no safe inverse: the table and its rows are gone'],
    [
      { op: 'drop-index', table: 'tickets', name: 'by_status' },
      'drop-index of by_status has no safe inverse: its definition is not recorded; create it again with create-index',
    ],
    [
      { op: 'backfill', table: 'tickets', set: { status: 'upper(status)' }, where: 'status <> upper(status)' },
      'backfill of tickets has no safe inverse: the values it replaced are not kept',
    ],
    [{ op: 'sql', phase: 'expand', sql: 'select 1' }, 'sql has no safe inverse: online cannot know what raw SQL did'],
  ])('%o', (operation, message) => {
    expect(refusalOf([operation])).toEqual({
      code: 'NO_SAFE_INVERSE',
      exitCode: 2,
      message: `cannot revert "forward": ${message}; nothing was changed`,
    });
  });

  it('a change-type whose original type was not recorded (planned by an earlier version)', () => {
    expect(refusalOf([{ op: 'change-type', table: 'tickets', column: 'id', type: 'bigint' }]).message).toBe(
      'cannot revert "forward": change-type of tickets.id has no safe inverse: its original type is not recorded (the migration was planned by an earlier version of online); nothing was changed',
    );
  });

  it('a spec with one operation lacking an inverse, naming it by position', () => {
    expect(
      refusalOf([
        { op: 'add-column', table: 'tickets', column: 'priority', type: 'text' },
        { op: 'drop-column', table: 'tickets', column: 'legacy' },
      ]).message,
    ).toBe(
      'cannot revert "forward": operations[1]: drop-column of tickets.legacy has no safe inverse: the column and its data are gone; nothing was changed',
    );
  });
});

describe('a change-type back that reaches further than the original', () => {
  const orders = { schema: 'public', name: 'orders' };
  const users = { schema: 'public', name: 'users' };
  const changed = (type: string, ...also: QualifiedName[]): OperationPlan => ({
    ...emptyPlan,
    typesBefore: [users, orders, ...also].map((table) => ({ table, column: table === users ? 'id' : 'user_id', type, default: null })),
  });

  it('is fine while it changes only the columns the original changed', () => {
    expect(typeChangesBeyond(changed('integer'), changed('bigint'))).toEqual([]);
  });

  it('names each referencing column the original left alone', () => {
    expect(typeChangesBeyond(changed('integer'), changed('bigint', { schema: 'public', name: 'audits' }))).toEqual([
      'the change-type back would also change public.audits.user_id (bigint), which the migration did not change',
    ]);
  });
});
