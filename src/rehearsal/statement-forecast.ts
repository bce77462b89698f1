// "What the plan says" about one statement: the relations it locks and in which mode, and whether it
// rewrites a table. The rehearsal compares what it observes against this.
import type { LockMode } from '../db/lock-modes.js';

export interface ForecastLock {
  /** As written in the statement: schema absent when unqualified. */
  readonly schema?: string;
  readonly name: string;
  readonly mode: LockMode;
}

export interface StatementForecast {
  readonly locks: readonly ForecastLock[];
  /** `maybe`: depends on the catalog (e.g. a type change that may be binary-coercible). */
  readonly rewrites: boolean | 'maybe';
  /** The text says nothing knowable (a DO block, a function call): its locks are not compared. */
  readonly opaque: boolean;
}

/** Undefined when the statement cannot be analyzed at all (then it is not compared). */
export type StatementForecaster = (statement: string) => Promise<StatementForecast | undefined>;

/** Whether a forecast lock names the relation known by `names` (itself, its table, its partition ancestors, as schema.name). */
export function forecastNames(lock: ForecastLock, names: readonly { readonly schema: string; readonly name: string }[]): boolean {
  return names.some((n) => n.name === lock.name && (lock.schema === undefined || lock.schema === n.schema));
}
