// What a rehearsal reports: an observed lock stronger than the forecast, on a relation the forecast did
// not name, any rewrite (flagged or not), a writer-blocking lock held too long in a step meant to be brief.
import { strongerMode, type LockMode } from '../db/lock-modes.js';
import type { Finding } from './rehearsal-report.js';
import type { RunWindow } from './run-windows.js';
import { forecastNames, type StatementForecast } from './statement-forecast.js';
import { blocksWriters, coveringNames, relationLabel, type TracedRelation } from './traced-relation.js';

/** A lock as accumulated for a statement, with the relation it was on. */
export interface LockSeen {
  readonly relation: TracedRelation;
  readonly mode: LockMode;
  readonly heldMs: number | null;
}

export interface RewriteSeen {
  readonly table: string;
  readonly reason: string;
}

/** The forecast's mode for the relation (the strongest of the locks naming it, its table or an ancestor), if it names it. */
export function forecastMode(forecast: StatementForecast, relation: TracedRelation): LockMode | undefined {
  const names = coveringNames(relation);
  return forecast.locks
    .filter((l) => forecastNames(l, names))
    .reduce<LockMode | undefined>((m, l) => (m === undefined ? l.mode : strongerMode(m, l.mode)), undefined);
}

/** Whether the forecast names the relation with a mode at least as strong as `mode`. */
export function coversLock(forecast: StatementForecast | undefined, relation: TracedRelation, mode: LockMode): boolean {
  if (forecast === undefined || forecast.opaque) return false;
  const forecastFor = forecastMode(forecast, relation);
  return forecastFor !== undefined && strongerMode(forecastFor, mode) === forecastFor;
}

export function stepLabel(window: RunWindow): string {
  return window.index === null ? window.description : `${window.phase} ${window.index}: ${window.description}`;
}

export interface StatementFindingsInput {
  readonly window: RunWindow;
  readonly statement: string;
  readonly forecast: StatementForecast | undefined;
  readonly locks: readonly LockSeen[];
  readonly rewrites: readonly RewriteSeen[];
  readonly maxLockHoldMs: number;
}

export function statementFindings(input: StatementFindingsInput): Finding[] {
  const { window, statement, forecast } = input;
  const at = { migration: window.migration, step: stepLabel(window), statement };
  const findings: Finding[] = [];
  for (const lock of input.locks) {
    const label = relationLabel(lock.relation);
    if (forecast !== undefined && !forecast.opaque) {
      const expected = forecastMode(forecast, lock.relation);
      if (expected === undefined && lock.mode !== 'access share') {
        findings.push({
          kind: 'unforecast-lock',
          ...at,
          table: label,
          message: `${lock.mode.toUpperCase()} on ${label}, which the forecast does not name`,
        });
      } else if (expected !== undefined && strongerMode(expected, lock.mode) !== expected) {
        findings.push({
          kind: 'stronger-lock',
          ...at,
          table: label,
          message: `${lock.mode.toUpperCase()} on ${label}, stronger than the forecast's ${expected.toUpperCase()}`,
        });
      }
    }
    if (window.kind === 'locked' && blocksWriters(lock.mode) && lock.heldMs !== null && lock.heldMs > input.maxLockHoldMs) {
      findings.push({
        kind: 'long-lock',
        ...at,
        table: label,
        message: `${lock.mode.toUpperCase()} on ${label} (it blocks writers) held ${lock.heldMs} ms, longer than --max-lock-hold ${input.maxLockHoldMs} ms, in a step meant to be brief`,
      });
    }
  }
  for (const rewrite of input.rewrites) {
    // Flagged or not, a rewrite holds its lock while it writes the whole table: short on the copy, as
    // long as the table on the target.
    const flagged = forecast !== undefined && forecast.rewrites !== false;
    const forecastSaid =
      forecast === undefined ? 'the statement has no forecast' : flagged ? 'as the forecast flags' : 'which the forecast does not flag';
    findings.push({
      kind: flagged ? 'rewrite' : 'unforecast-rewrite',
      ...at,
      table: rewrite.table,
      message: `rewrote ${rewrite.table} (${rewrite.reason}), ${forecastSaid}: its lock is held while the whole table is written`,
    });
  }
  return findings;
}
