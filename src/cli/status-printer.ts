// Renders status reports for people; `status --json` returns the same reports as data. With no name,
// `status` puts a summary of the whole project first (renderSummary), then the active migrations.
import { minProgressLine } from './min-progress-line.js';
import type { BackfillProgress, MigrationReport, TaskSummary } from '../api/status.js';
import type { PartitionedTaskSummary } from '../api/partition-progress.js';
import { belongsToTask, partitionOfTaskId } from '../plan/partition-tasks.js';
import type { StatusSummary } from '../api/status-summary.js';
import { displayPath } from '../config/project-files.js';
import { count, etaText, percentText, rateText } from './progress-numbers.js';

function ago(iso: string): string {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return seconds < 120 ? `${seconds.toFixed(0)}s ago` : `${(seconds / 60).toFixed(0)}m ago`;
}

/** `84,220/~200,000 rows (42.1%)`: the total is an estimate (see expectedRows) until the task is done. */
function rows(p: { readonly done: boolean; readonly rowsDone: number; readonly rowsExpected: number; readonly percent: number }): string {
  return `${p.done ? 'done, ' : ''}${count(p.rowsDone)}/${p.done ? '' : '~'}${count(p.rowsExpected)} rows (${percentText(p.percent)})`;
}

/** `, 20,000 rows/s, ETA 45s` while it moves; nothing once done, and no rate or ETA while unknown. */
function pace(p: { readonly done: boolean; readonly rowsPerSecond: number; readonly etaSeconds: number | null }): string {
  if (p.done) return '';
  const eta = etaText(p.etaSeconds);
  // 0: no rate known (held, gone, or too early to tell), so none is shown.
  const rate = p.rowsPerSecond > 0 ? rateText(p.rowsPerSecond) : null;
  return `${rate === null ? '' : `, ${rate}`}${eta === null ? '' : `, ${eta}`}`;
}

function taskLine(t: TaskSummary): string {
  return `  backfill ${t.task}: ${rows(t)}${pace(t)}${t.ranges > 1 ? `, ${t.ranges} ranges` : ''}`;
}

/** Partitions listed one by one up to this many; beyond, the finished ones are only counted. */
const partitionsListed = 6;

/**
 * A partitioned table's backfill: the table's line, then its partitions': all of them when few, else
 * the unfinished ones started (up to partitionsListed), the rest folded into counts.
 */
function partitionedLines(p: PartitionedTaskSummary, tasks: readonly TaskSummary[]): string[] {
  const running = p.partitionsStarted - p.partitionsDone;
  const waiting = p.partitions - p.partitionsStarted;
  const counts = `${p.partitions} partitions: ${p.partitionsDone} done, ${running} running${waiting > 0 ? `, ${waiting} not started` : ''}`;
  const leaves = tasks.filter((t) => partitionOfTaskId(t.task) !== undefined && belongsToTask(t.task, p.task));
  const shown = p.partitions <= partitionsListed ? leaves : leaves.filter((t) => !t.done).slice(0, partitionsListed);
  const foldedDone = leaves.filter((t) => t.done && !shown.includes(t)).length;
  const foldedRunning = leaves.filter((t) => !t.done && !shown.includes(t)).length;
  const folded = [...(foldedDone > 0 ? [`${foldedDone} done`] : []), ...(foldedRunning > 0 ? [`${foldedRunning} more running`] : [])];
  return [
    `  backfill ${p.task} (${counts}): ${rows(p)}${pace(p)}`,
    ...shown.map(
      (t) => `    partition ${partitionOfTaskId(t.task) ?? ''}: ${rows(t)}${pace(t)}${t.ranges > 1 ? `, ${t.ranges} ranges` : ''}`,
    ),
    ...(folded.length > 0 ? [`    partitions not listed: ${folded.join(', ')} (\`status --json\` lists every one)`] : []),
  ];
}

/** A range's own progress; the only range of a task shows just its batches and cursor (its task line has the rest). */
function rangeLine(b: BackfillProgress, indent: string, only: boolean): string {
  const where = b.cursor === null ? 'start' : b.mode === 'ctid' ? `page ${b.cursor[0] ?? '?'}` : `(${b.cursor.join(', ')})`;
  const progress = only ? '' : `${rows(b)}${pace(b)}, `;
  return `${indent}${progress}batch ${count(b.batchSize)} (${b.batchMs.last} ms last, ${b.batchMs.avg} avg, ${b.batchMs.max} max), cursor ${where}`;
}

/** `inDirectory`: the migrations that are specs of the migrations directory, contracted by `online migrate --contract`. */
export function renderStatus(reports: readonly MigrationReport[], inDirectory: ReadonlySet<string> = new Set()): string {
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
    if (r.activity?.belowMinProgress !== undefined) {
      lines.push(`  ${minProgressLine(r.activity.belowMinProgress)} (since ${ago(r.activity.belowMinProgress.since)})`);
    }
    if (r.workers !== null) {
      lines.push(`  workers: ${r.workers.workers} of max ${r.workers.max} (auto): ${r.workers.reason} (since ${ago(r.workers.since)})`);
    }
    if (r.worker !== null) {
      lines.push(
        `  worker: pid ${r.worker.pid} on ${r.worker.host}, heartbeat ${ago(r.worker.heartbeatAt)}${r.worker.alive ? '' : ' (lease not held)'}`,
      );
    }
    if (r.error !== null) lines.push(`  error: ${r.error.message}`);
    for (const p of r.partitioned) lines.push(...partitionedLines(p, r.tasks));
    // A partitioned table's own cursor (from when it had no partitions) is shown by its table's line.
    const partitionedTasks = new Set(r.partitioned.map((p) => p.task));
    for (const t of r.tasks.filter((task) => partitionOfTaskId(task.task) === undefined && !partitionedTasks.has(task.task))) {
      lines.push(taskLine(t));
      const ranges = r.backfill.filter((b) => b.task === t.task);
      if (ranges.length === 1 && ranges[0] !== undefined) lines.push(rangeLine(ranges[0], '    ', true));
      else for (const b of ranges) lines.push(rangeLine(b, `    range ${b.range}: `, false));
    }
    if (r.paused && r.state !== 'running') lines.push(`  paused: \`online unpause ${r.name}\` lets a worker continue`);
    if (r.state === 'interrupted') lines.push(`  the worker is gone; run \`online resume ${r.name}\` to continue`);
    const notBackfilled = r.partitioned.reduce((n, p) => n + p.partitions - p.partitionsStarted, 0);
    if (r.state === 'awaiting_contract' && notBackfilled > 0) {
      lines.push(
        `  ${notBackfilled} partition${notBackfilled === 1 ? ' was' : 's were'} attached after the backfill finished: run \`online resume ${r.name}\` to backfill ${notBackfilled === 1 ? 'it' : 'them'} (complete would refuse)`,
      );
    } else if (r.state === 'awaiting_contract') {
      const contract = inDirectory.has(r.name) ? 'online migrate --contract' : `online complete ${r.name}`;
      lines.push(`  backfill finished; run \`${contract}\``);
    }
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
    ...named('waiting for contract', s.awaitingContractInDirectory, 'deploy the new application, then `online migrate --contract`'),
    ...named(
      'waiting for contract',
      s.awaitingContract.filter((name) => !s.awaitingContractInDirectory.includes(name)),
      'deploy the new application, then `online complete <name>`',
    ),
    ...named(
      `pending${where}`,
      s.pending.map((p) => p.file),
      '`online migrate` applies them in order',
    ),
    ...named(`invalid${where}`, s.invalid, '`online check` explains'),
  ].join('\n');
}
