// Renders `history` for people: a few lines per migration, oldest first. `history --json` returns the
// same entries as data.
import type { BackfillHistory, HistoryEntry, PhaseSteps } from '../api/history.js';
import type { PlanForecast } from '../forecast/plan-forecast.js';

/** `2025-06-01 10:00:01Z`: UTC, to the second. */
function when(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function took(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)}s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)}m`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** ` (forecast 0.2s)` beside a phase or backfill that has one recorded. */
function forecastText(seconds: number | undefined, calibrated?: boolean): string {
  if (seconds === undefined) return '';
  return ` (forecast ${took(Math.round(seconds * 1000))}${calibrated === undefined ? '' : calibrated ? ', calibrated' : ', not calibrated'})`;
}

function phaseText(p: PhaseSteps, forecast: PlanForecast | null): string {
  const forecastSeconds = forecast === null ? undefined : forecast[p.phase].reduce((sum, step) => sum + step.estimate.seconds, 0);
  return `${p.phase} ${p.done}/${p.planned} step${p.planned === 1 ? '' : 's'}${p.done > 0 ? ` in ${took(p.durationMs)}` : ''}${forecastText(forecastSeconds)}`;
}

function backfillLine(b: BackfillHistory, forecast: PlanForecast | null): string {
  const ranges = b.partitions > 0 ? `, ${b.partitions} partitions, ${b.ranges} ranges` : b.ranges > 1 ? `, ${b.ranges} ranges` : '';
  const state = b.done ? '' : ' so far (not finished)';
  const task = forecast?.backfill.find((t) => t.id === b.task);
  return `  backfill ${b.task}: ${count(b.rowsDone)} rows in ${count(b.batches)} batch${b.batches === 1 ? '' : 'es'}, ${took(b.elapsedMs)}${ranges}${state}${forecastText(task?.estimate.seconds, task?.calibrated)}`;
}

export function renderHistory(entries: readonly HistoryEntry[]): string {
  if (entries.length === 0) return 'no migrations yet';
  const lines: string[] = [];
  for (const e of entries) {
    const finished = e.completedAt === null ? `updated ${when(e.updatedAt)}` : `finished ${when(e.completedAt)}`;
    const phase = e.phase === 'done' ? '' : `, phase ${e.phase}`;
    const link = `${e.reverts === null ? '' : `, reverts ${e.reverts}`}${e.revertedBy === null ? '' : `, reverted by ${e.revertedBy}`}`;
    lines.push(`${e.name}: ${e.status.replace('_', ' ')}${phase}${link} (started ${when(e.startedAt)}, ${finished})`);
    // A rollback that never ran is only noise next to a finished migration.
    const shown = e.phases.filter((p) => p.phase !== 'rollback' || p.done > 0 || e.phase === 'rollback' || e.status === 'rolled_back');
    if (shown.length > 0) lines.push(`  ${shown.map((p) => phaseText(p, e.forecast)).join('; ')}`);
    for (const b of e.backfills) lines.push(backfillLine(b, e.forecast));
    if (e.error !== null) lines.push(`  error: ${e.error.message}`);
  }
  return lines.join('\n');
}
