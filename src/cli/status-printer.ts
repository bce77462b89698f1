// Renders status reports for people; `status --json` returns the same reports as data. With no name,
// `status` puts a summary of the whole project first (renderSummary), then the active migrations.
import type { BackfillProgress, MigrationReport, TaskSummary } from '../api/status.js';
import type { StatusSummary } from '../api/status-summary.js';
import { displayPath } from '../config/project-files.js';

function ago(iso: string): string {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return seconds < 120 ? `${seconds.toFixed(0)}s ago` : `${(seconds / 60).toFixed(0)}m ago`;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

function eta(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 120) return `, ETA ${seconds}s`;
  if (seconds < 7_200) return `, ETA ${Math.round(seconds / 60)}m`;
  return `, ETA ${(seconds / 3_600).toFixed(1)}h`;
}

function taskLine(t: TaskSummary): string {
  const state = t.done ? 'done, ' : '';
  const rate = t.done ? '' : `, ${count(t.rowsPerSecond)} rows/s${eta(t.etaSeconds)}`;
  return `  backfill ${t.task}: ${state}${count(t.rowsDone)}/~${count(t.rowsEstimated)} rows (${t.percent}%)${rate}${t.ranges > 1 ? `, ${t.ranges} ranges` : ''}`;
}

function rangeLine(b: BackfillProgress, indent: string): string {
  const where = b.cursor === null ? 'start' : b.mode === 'ctid' ? `page ${b.cursor[0] ?? '?'}` : `(${b.cursor.join(', ')})`;
  const rate = b.done ? '' : `, ${count(b.rowsPerSecond)} rows/s${eta(b.etaSeconds)}`;
  return (
    `${indent}${b.done ? 'done, ' : ''}${count(b.rowsDone)}/~${count(b.rowsEstimated)} rows (${b.percent}%)${rate}, ` +
    `batch ${count(b.batchSize)} (${b.batchMs.last} ms last, ${b.batchMs.avg} avg, ${b.batchMs.max} max), cursor ${where}`
  );
}

export function renderStatus(reports: readonly MigrationReport[]): string {
  if (reports.length === 0) return 'no active migrations';
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(
      `${r.name}: ${r.state.replace('_', ' ')} (phase ${r.phase}${r.paused ? ', paused' : ''}${r.reverts === null ? '' : `, reverts ${r.reverts}`})`,
    );
    if (r.activity !== null && r.activity.state !== 'running') {
      const until = r.activity.until === null ? '' : `; next window opens ${r.activity.until}`;
      lines.push(`  ${r.activity.state}: ${r.activity.reason ?? ''}${until} (since ${ago(r.activity.since)})`);
    }
    if (r.worker !== null) {
      lines.push(
        `  worker: pid ${r.worker.pid} on ${r.worker.host}, heartbeat ${ago(r.worker.heartbeatAt)}${r.worker.alive ? '' : ' (lease not held)'}`,
      );
    }
    if (r.error !== null) lines.push(`  error: ${r.error.message}`);
    for (const t of r.tasks) {
      lines.push(taskLine(t));
      const ranges = r.backfill.filter((b) => b.task === t.task);
      if (ranges.length === 1 && ranges[0] !== undefined) lines.push(rangeLine(ranges[0], '    '));
      else for (const b of ranges) lines.push(rangeLine(b, `    range ${b.range}: `));
    }
    if (r.paused && r.state !== 'running') lines.push(`  paused: \`online unpause ${r.name}\` lets a worker continue`);
    if (r.state === 'interrupted') lines.push(`  the worker is gone; run \`online resume ${r.name}\` to continue`);
    if (r.state === 'awaiting_contract') lines.push(`  backfill finished; run \`online complete ${r.name}\``);
  }
  return lines.join('\n');
}

function named(label: string, names: readonly string[], hint: string): string[] {
  return names.length === 0 ? [] : [`  ${label}: ${names.join(', ')}${hint === '' ? '' : ` (${hint})`}`];
}

/** Counts of every state, then the names in each state that needs something done. */
export function renderSummary(s: StatusSummary): string {
  const counts = [
    `${s.running.length} running`,
    `${s.interrupted.length} interrupted`,
    ...(s.stopped.length > 0 ? [`${s.stopped.length} stopped`] : []),
    `${s.failed.length} failed`,
    `${s.awaitingContract.length} waiting for contract`,
    `${s.completed.length} completed`,
    ...(s.rolledBack.length > 0 ? [`${s.rolledBack.length} rolled back`] : []),
    ...(s.directory === null ? [] : [`${s.pending.length} pending`]),
  ];
  const where = s.directory === null ? '' : ` in ${displayPath(s.directory)}`;
  return [
    `summary: ${counts.join(', ')}`,
    ...named('running', s.running, ''),
    ...named('interrupted', s.interrupted, 'the worker is gone; `online resume <name>` continues'),
    ...named('stopped', s.stopped, '`online resume <name>` continues'),
    ...named('failed', s.failed, 'error below; `online resume <name>` retries, `online rollback <name>` undoes'),
    ...named(
      'waiting for contract',
      s.awaitingContract,
      'deploy the new application, then `online migrate --contract` or `online complete <name>`',
    ),
    ...named(
      `pending${where}`,
      s.pending.map((p) => p.file),
      '`online migrate` applies them in order',
    ),
    ...named(`invalid${where}`, s.invalid, '`online check` explains'),
  ].join('\n');
}
