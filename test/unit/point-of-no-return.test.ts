import { describe, expect, it } from 'vitest';
import { planDropIndex } from '../../src/operations/drop-index.js';
import { addColumnSpec, planAddColumn } from '../../src/operations/add-column.js';
import { pointOfNoReturn, type OperationPlan } from '../../src/plan/plan.js';

const addColumn = (): OperationPlan =>
  planAddColumn(
    addColumnSpec.parse({ op: 'add-column', table: 'tickets', column: 'priority', type: 'text', backfill: "'normal'", nullable: false }),
    {
      key: [{ name: 'id', type: 'bigint' }],
      defaultIsVolatile: false,
      searchPath: ['public'],
    },
  );

describe('the point of no return of a contract', () => {
  it('is not reached while only steps rollback can undo have committed (validations)', () => {
    const plan = addColumn();
    expect(plan.contract.map((s) => s.reversible === true)).toEqual([true, false, false]);
    expect(pointOfNoReturn(plan, new Set())).toBeUndefined();
    expect(pointOfNoReturn(plan, new Set([0]))).toBeUndefined();
  });

  it('is the first committed step rollback cannot undo', () => {
    const plan = addColumn();
    expect(pointOfNoReturn(plan, new Set([0, 1]))).toEqual({ index: 1, description: plan.contract[1]?.description });
    expect(pointOfNoReturn(plan, new Set([0, 1, 2]))?.index).toBe(1);
  });
});

describe('drop-index: how resume and rollback tell the concurrent drop took effect', () => {
  const spec = { op: 'drop-index' as const, schema: 'public', table: 'tickets', name: 'Tickets_Idx' };

  it('a valid index: done once it is gone or no longer valid (half-dropped by a killed run)', () => {
    const [step] = planDropIndex(spec, { valid: true }).contract;
    expect(step?.reversible).toBeUndefined();
    expect(step?.doneWhen).toBe(
      `select coalesce((select not i.indisvalid from pg_index i where i.indexrelid = to_regclass($online$"public"."Tickets_Idx"$online$)), true) as done`,
    );
  });

  it('an index that was already invalid: done only once it is gone', () => {
    expect(planDropIndex(spec, { valid: false }).contract[0]?.doneWhen).toBe(
      `select to_regclass($online$"public"."Tickets_Idx"$online$) is null as done`,
    );
  });
});
