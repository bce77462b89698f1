// The part of a migration's ledger record the lifecycle decides from.
import type { MigrationRecord } from '../state/migration-records.js';

export type Recorded = Pick<MigrationRecord, 'name' | 'status' | 'phase'>;

/** A contract step already committed that rollback cannot undo. */
export interface StepRef {
  readonly index: number;
  readonly description: string;
}
