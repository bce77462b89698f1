// The forecast as comment lines under each step and backfill task of a printed plan (plan-printer.ts
// takes them as annotations, so other sections, hazards say, can add their own lines the same way).
import type { PlanForecast, StepForecast, TaskForecast } from '../forecast/plan-forecast.js';
import { formatBytes } from '../throttle/byte-size.js';
import type { PlanAnnotations } from './plan-printer.js';
import { count } from './progress-numbers.js';

/** `0.4 s`, `12 s`, `3.5 min`, `1.2 h`. */
export function durationText(seconds: number): string {
  if (seconds < 10) return `${seconds < 0.05 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function workText(word: string, work: StepForecast['rewrites']): string {
  if (work.answer === 'no') return `no ${word}`;
  const sizes = work.tables.map(
    (t) =>
      `${t.relation} ${count(t.rows)} rows, ${count(t.pages)} pages, ${formatBytes(t.tableBytes)} (${formatBytes(t.totalBytes)} with indexes)`,
  );
  const prefix = work.answer === 'maybe' ? `maybe ${word}` : `${word}`;
  return `${prefix}${sizes.length === 0 ? '' : ` ${sizes.join('; ')}`}${work.why === undefined ? '' : ` (${work.why})`}`;
}

export function stepLines(step: StepForecast): string[] {
  const locks = step.locks.map((l) => `${l.mode.toUpperCase()} on ${l.relation} (${l.hold})`).join(', ');
  const lines = [
    `--    forecast locks: ${locks === '' ? 'none on tables' : locks}${step.opaque ? '; and what its opaque statements lock (not knowable from the text)' : ''}`,
    `--    forecast work: ${workText('rewrites', step.rewrites)}; ${workText('scans', step.scans)}`,
    `--    forecast: ~${durationText(step.estimate.seconds)}, ~${formatBytes(step.estimate.walBytes)} WAL${step.newIndexBytes > 0 ? `, new index ~${formatBytes(step.newIndexBytes)}` : ''} (${step.estimate.method})`,
  ];
  return lines;
}

export function taskLines(task: TaskForecast): string[] {
  return [
    `-- forecast: ${count(task.rowsNeedingWork)} of ${count(task.rows)} rows to write, ~${durationText(task.estimate.seconds)}, ~${formatBytes(task.estimate.walBytes)} WAL (${task.estimate.method})`,
  ];
}

export function forecastAnnotations(forecast: PlanForecast): PlanAnnotations {
  return {
    step: (phase, index) => {
      const step = forecast[phase][index];
      return step === undefined ? [] : stepLines(step);
    },
    task: (index) => {
      const task = forecast.backfill[index];
      return task === undefined ? [] : taskLines(task);
    },
    footer: [
      `-- forecast, expand + backfill + contract: ~${durationText(forecast.totals.seconds)}, ~${formatBytes(forecast.totals.walBytes)} WAL` +
        `${forecast.totals.newIndexBytes > 0 ? `, new indexes ~${formatBytes(forecast.totals.newIndexBytes)}` : ''} (estimates: see each step's method; lock waits not included)`,
    ],
  };
}
