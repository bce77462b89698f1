// The forecast of a plan, as data: `plan --json` prints it, the ledger records it, `history` shows it
// beside what really happened.
import type { LockMode } from '../db/lock-modes.js';
import type { Answer } from './statement-analysis.js';

export interface Estimate {
  readonly seconds: number;
  readonly walBytes: number;
  /** How the figures were made, e.g. `calibrated: the planned UPDATE over 3 sample key ranges …`. */
  readonly method: string;
}

export interface TableLockForecast {
  /** `schema.name`, or the name as the plan writes it when the plan creates the relation. */
  readonly relation: string;
  readonly mode: LockMode;
  /** `brief`: only for catalog changes; `long`: while the step scans, rewrites or builds. */
  readonly hold: 'brief' | 'long';
  readonly reasons: readonly string[];
}

export interface TableSize {
  readonly relation: string;
  readonly pages: number;
  readonly rows: number;
  readonly tableBytes: number;
  readonly totalBytes: number;
}

export interface WorkForecast {
  readonly answer: Answer;
  readonly why?: string;
  /** The tables it rewrites or scans, with their sizes now. */
  readonly tables: readonly TableSize[];
}

export interface StepForecast {
  readonly description: string;
  readonly locks: readonly TableLockForecast[];
  readonly rewrites: WorkForecast;
  readonly scans: WorkForecast;
  /** Some statement's locks cannot be known from its text (a DO block). */
  readonly opaque: boolean;
  readonly newIndexBytes: number;
  readonly estimate: Estimate;
  readonly notes: readonly string[];
}

export interface TaskForecast {
  readonly id: string;
  readonly table: string;
  readonly rows: number;
  readonly rowsNeedingWork: number;
  readonly calibrated: boolean;
  readonly estimate: Estimate;
}

export interface PlanForecast {
  readonly expand: readonly StepForecast[];
  readonly backfill: readonly TaskForecast[];
  readonly contract: readonly StepForecast[];
  readonly rollback: readonly StepForecast[];
  /** Expand, backfill and contract (a rollback is not part of a run). */
  readonly totals: { readonly seconds: number; readonly walBytes: number; readonly newIndexBytes: number };
}
