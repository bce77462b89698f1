// What `online rehearse` found, as plain data (`--json` prints it; src/cli/rehearsal-printer.ts draws it).
import type { LockMode } from '../db/lock-modes.js';
import type { StatementForecast } from './statement-forecast.js';
import type { WriterReport } from './synthetic-writer.js';

export interface ObservedLock {
  /** The table, e.g. `public.tickets`; an index's or TOAST table's lock is reported under its table. */
  readonly table: string;
  /** Set when the lock was on an index (or TOAST table) of `table`, not on the table itself. */
  readonly index?: string;
  readonly mode: LockMode;
  /**
   * From the first to the last sample that saw it (the poller's), to the millisecond; null when no
   * sample saw it: held for less than about one poll interval.
   */
  readonly heldMs: number | null;
  /** `trigger`: an event trigger saw the statement take it; `poller`: a sample saw it held; both. */
  readonly seenBy: 'trigger' | 'poller' | 'both';
}

export interface ObservedWait {
  readonly table: string;
  readonly index?: string;
  readonly mode: LockMode;
  readonly waitedMs: number;
}

export interface ObservedRewrite {
  readonly table: string;
  /** pg_event_trigger_table_rewrite_reason() bits, in words; or `relfilenode changed` when only that showed it. */
  readonly reason: string;
}

export type FindingKind =
  /** A lock stronger than the forecast's mode on that relation. */
  | 'stronger-lock'
  /** A lock (other than ACCESS SHARE) on a relation the forecast did not name. */
  | 'unforecast-lock'
  /** A rewrite the forecast did not flag. */
  | 'unforecast-rewrite'
  /** A rewrite the forecast flags: still reported, its lock lasts as long as writing the table. */
  | 'rewrite'
  /** A lock that blocks writers, held longer than --max-lock-hold in a step meant to be brief. */
  | 'long-lock'
  | 'writer-error'
  /** The migration itself failed on the copy. */
  | 'run-failed';

export interface Finding {
  readonly kind: FindingKind;
  readonly migration?: string;
  /** `expand 2: add column …`, `backfill public.tickets.priority`. */
  readonly step?: string;
  readonly statement?: string;
  readonly table?: string;
  readonly message: string;
}

export interface StatementTrace {
  readonly statement: string;
  readonly forecast: StatementForecast | null;
  readonly locks: readonly ObservedLock[];
  readonly waits: readonly ObservedWait[];
  readonly rewrites: readonly ObservedRewrite[];
  readonly findings: readonly Finding[];
}

export type StepPhase = 'expand' | 'backfill' | 'contract' | 'other';

export interface StepTrace {
  readonly phase: StepPhase;
  /** The step's index in its phase (as `online plan` numbers them, from 1); null for backfill and other. */
  readonly index: number | null;
  readonly description: string;
  /** `locked` steps are meant to hold their locks briefly; `other`: statements outside the plan (pre-flight, checks). */
  readonly kind: 'locked' | 'concurrent' | 'backfill' | 'other';
  readonly statements: readonly StatementTrace[];
}

export interface MigrationTrace {
  readonly migration: string;
  /** The ledger status on the copy afterwards (`completed` when it ran through). */
  readonly status: string;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly steps: readonly StepTrace[];
}

export interface RehearsalReport {
  readonly serverVersion: string;
  /** Fraction of rows copied, null for a schema-only copy. */
  readonly sample: number | null;
  readonly maxLockHoldMs: number;
  readonly pollIntervalMs: number;
  readonly migrations: readonly MigrationTrace[];
  readonly writer: WriterReport;
  /** Every finding, in order: steps' and the writer's. */
  readonly findings: readonly Finding[];
  readonly statementsTraced: number;
  /** Specs of a directory not rehearsed, and why (already applied on the target, under way there). */
  readonly skipped: readonly { readonly migration: string; readonly reason: string }[];
  /** What the copy could not reproduce (from the schema copy), shown so the reader can judge. */
  readonly notes: readonly string[];
}
