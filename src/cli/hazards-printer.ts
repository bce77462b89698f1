// Live hazards as text: one line each, blocking ones marked (what `online plan` prints, and the warning
// line a run prints before a step).
import type { Hazard } from '../hazards/hazard.js';
import type { HazardRead, HazardReport } from '../hazards/read-hazards.js';
import type { PlanAnnotations } from './plan-printer.js';

const readNames: Readonly<Record<HazardRead, string>> = {
  transactions: 'old transactions',
  'replication-slots': 'replication slots',
  vacuum: 'running vacuums',
  bloat: 'table bloat',
  disk: 'disk headroom',
};

/** `warning: …`, or `warning (the step will wait): …` for a blocking one. */
export function hazardLine(hazard: Hazard): string {
  return `${hazard.severity === 'blocking' ? 'warning (the migration will wait): ' : 'warning: '}${hazard.message}`;
}

/** A titled list: each hazard on its line, then the reads that failed; `Live hazards: none` when all is clear. */
export function hazardReportLines(report: HazardReport, indent = '  '): string[] {
  const unread = report.unread.map((u) => `${indent}not read: ${readNames[u.read]} (${u.reason})`);
  if (report.hazards.length === 0) return [`Live hazards: none${unread.length > 0 ? ' seen' : ''}`, ...unread];
  return ['Live hazards:', ...report.hazards.map((h) => `${indent}${hazardLine(h)}`), ...unread];
}

/** The hazards as the closing lines of `online plan <file>`'s SQL, as comments. */
export function hazardAnnotations(report: HazardReport): PlanAnnotations {
  return { footer: ['', ...hazardReportLines(report).map((line) => `-- ${line}`)] };
}
