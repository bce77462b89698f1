// The stored plan's format version: an unlabelled plan (stored before the field existed) is format 1,
// this build's own format is read, and a newer one is refused with a typed error (exit 2).
import { describe, expect, it } from 'vitest';
import { PlanFormatError } from '../../src/errors/index.js';
import { planFormatVersion, readStoredPlan, storedPlan, type StoredPlan } from '../../src/plan/plan-format.js';
import type { OperationPlan } from '../../src/plan/plan.js';

const plan: OperationPlan = {
  expand: [{ description: 'add column', statements: ['alter table t add column c int'] }],
  backfill: [],
  contract: [],
  rollback: [],
};

describe('the stored plan format', () => {
  it('stores this build’s format with the plan, and reads it back as the plan alone', () => {
    expect(storedPlan(plan)).toEqual({ ...plan, formatVersion: planFormatVersion });
    expect(readStoredPlan('m', storedPlan(plan))).toEqual(plan);
  });

  it('reads a plan stored before the version existed as format 1', () => {
    expect(readStoredPlan('m', plan)).toEqual(plan);
  });

  it('refuses a plan a newer online wrote, naming the migration and both formats (exit 2)', () => {
    const future: StoredPlan = { ...plan, formatVersion: planFormatVersion + 1 };
    expect(() => readStoredPlan('0002-x', future)).toThrow(PlanFormatError);
    try {
      readStoredPlan('0002-x', future);
    } catch (error) {
      expect(error).toMatchObject({ code: 'PLAN_FORMAT_UNSUPPORTED', exitCode: 2 });
      expect((error as Error).message).toBe(
        `migration "0002-x" was planned in plan format ${planFormatVersion + 1}, which this online does not know ` +
          `(it reads formats up to ${planFormatVersion}); run it with the online version that started it, or a newer one`,
      );
    }
  });

  it('refuses a version that is no format at all', () => {
    for (const formatVersion of [0, 1.5, '1'] as unknown[]) {
      expect(() => readStoredPlan('m', { ...plan, formatVersion } as StoredPlan)).toThrow(PlanFormatError);
    }
  });
});
