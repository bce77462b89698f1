// Renders status reports for people; `status --json` returns the same reports as data.
import type { MigrationReport } from '../api/status.js';

function ago(iso: string): string {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return seconds < 120 ? `${seconds.toFixed(0)}s ago` : `${(seconds / 60).toFixed(0)}m ago`;
}

export function renderStatus(reports: readonly MigrationReport[]): string {
  if (reports.length === 0) return 'no active migrations';
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`${r.name}: ${r.state.replace('_', ' ')} (phase ${r.phase}${r.paused ? ', paused' : ''})`);
    if (r.worker !== null) {
      lines.push(`  worker: pid ${r.worker.pid} on ${r.worker.host}, heartbeat ${ago(r.worker.heartbeatAt)}${r.worker.alive ? '' : ' (lease not held)'}`);
    }
    if (r.error !== null) lines.push(`  error: ${r.error.message}`);
    for (const b of r.backfill) {
      const eta = b.etaSeconds === null ? '' : b.done ? '' : `, ETA ${b.etaSeconds}s`;
      lines.push(
        `  backfill ${b.task}${b.range > 0 ? ` range ${b.range}` : ''}: ${b.done ? 'done, ' : ''}${b.rowsDone.toLocaleString('en-US')}/~${b.rowsEstimated.toLocaleString('en-US')} rows (${b.percent}%), ` +
          `${b.rowsPerSecond.toLocaleString('en-US')} rows/s, batch ${b.batchSize}${eta}, cursor ${b.cursor === null ? 'start' : `(${b.cursor.join(', ')})`}`,
      );
    }
    if (r.state === 'interrupted') lines.push(`  the worker is gone; run \`online resume ${r.name}\` to continue`);
    if (r.state === 'awaiting_contract') lines.push(`  backfill finished; run \`online complete ${r.name}\``);
  }
  return lines.join('\n');
}
