// The format version of the plan the ledger stores, so that a build reading a run another build started
// knows what it is reading: an older format is read as it is, a newer one is refused.
import { PlanFormatError } from '../errors/index.js';
import type { OperationPlan } from './plan.js';

/**
 * The plan format this build writes and the newest it reads. Raise it when a stored plan's meaning
 * changes in a way an older build would misread (a new step kind, a field that must not be ignored).
 * Plans stored before the field existed carry none: they are format 1.
 */
export const planFormatVersion = 1;

/** A plan as the ledger stores it: the plan and the format it is written in. */
export type StoredPlan = OperationPlan & { readonly formatVersion?: number };

export function storedPlan(plan: OperationPlan): StoredPlan {
  return { ...plan, formatVersion: planFormatVersion };
}

/** The plan of a stored migration; throws PlanFormatError when a newer build wrote it. */
export function readStoredPlan(migration: string, stored: StoredPlan): OperationPlan {
  const { formatVersion = 1, ...plan } = stored;
  if (!Number.isInteger(formatVersion) || formatVersion < 1 || formatVersion > planFormatVersion) {
    throw new PlanFormatError(migration, formatVersion, planFormatVersion);
  }
  return plan;
}
