// Renders the results as Markdown: the setup, one row per approach and mode, the baseline, the
// LIMIT/OFFSET decay note and the scaling row.
import type { BenchResults, ModeSummary } from './bench-summary.js';

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : n(x));
const dash = '–';

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const s = r.settings;
  const lines = [
    `## backfill bench: ${n(s.rows)} rows, median of ${s.repeat} interleaved run(s), each on a fresh table`,
    '',
    `machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}; PostgreSQL ${m.postgres} (${m.server}, fsync=${m.fsync}, shared_buffers=${m.sharedBuffers})`,
    '',
    `table: tickets, bigint key, 8 columns, 2 secondary indexes. OLTP load: ${s.oltpConnections} connections, point reads and single-row \`updated_at\` updates (50/50) on random keys, ${s.thinkMs} ms think time; baseline: ${s.baselineSeconds} s of it with no migration on each fresh table. Lock waits: pg_stat_activity sampled every 10 ms.`,
    '',
    '| approach | mode | fill s | rows/s | vs (a) | OLTP p50 ms | OLTP p99 ms | OLTP max ms | OLTP ops/s | p99 vs baseline | OLTP errors | longest lock wait ms | settled batch size |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const a of r.approaches) {
    for (const [mode, summary] of [
      ['idle', a.idle],
      ['load', a.load],
    ] as const) {
      if (summary !== null) lines.push(approachRow(a.label, mode, summary));
    }
  }
  const b = r.baseline;
  if (b !== null) {
    lines.push(
      `| no migration (baseline) | load | ${dash} | ${dash} | ${dash} | ${ms(b.p50Ms)} | ${ms(b.p99Ms)} | ${ms(b.maxMs)} | ${n(b.operationsPerSecond)} | 1.00 | ${errors(b.errors, b.firstError)} | ${ms(b.lockWaitMaxMs)} | ${dash} |`,
    );
  }
  lines.push(
    '',
    '- OLTP latencies are over the operations that started during the fill. A blocked writer starts no more operations, so a fill that blocks the load shows it in ops/s, the max and the longest lock wait rather than in p50/p99.',
    ...partialNotes(r),
  );
  if (r.scaling !== null) {
    const c = r.scaling;
    lines.push(
      '',
      '### scaling: online defaults, idle',
      '',
      '| rows | fill s | rows/s | time ratio |',
      '|---:|---:|---:|---:|',
      `| ${n(c.rows)} | ${c.seconds.toFixed(2)} | ${n(c.rows / c.seconds)} | 1.00 |`,
      `| ${n(c.scaledRows)} | ${c.scaledSeconds.toFixed(2)} | ${n(c.scaledRows / c.scaledSeconds)} | ${c.timeRatio.toFixed(2)} (target ≤ ${c.target}: ${c.timeRatio <= c.target ? 'met' : 'missed'}) |`,
    );
  }
  return lines.join('\n') + '\n';
}

function approachRow(label: string, mode: string, s: ModeSummary): string {
  const o = s.oltp;
  const rate = s.complete ? n(s.rowsPerSecond) : `${n(s.rowsPerSecond)} (partial: ${n(s.rowsFilled)} rows)`;
  const cells = [
    label,
    mode,
    s.medianSeconds.toFixed(2),
    rate,
    s.ratioVsSingleUpdate === null ? dash : s.ratioVsSingleUpdate.toFixed(2),
    o === null ? dash : ms(o.p50Ms),
    o === null ? dash : ms(o.p99Ms),
    o === null ? dash : ms(o.maxMs),
    o === null ? dash : n(o.operationsPerSecond),
    o === null ? dash : `${o.p99VsBaseline.toFixed(1)}×`,
    o === null ? dash : errors(o.errors, o.firstError),
    o === null ? dash : ms(o.lockWaitMaxMs),
    s.settledBatchSize === null ? dash : n(s.settledBatchSize),
  ];
  return `| ${cells.join(' | ')} |`;
}

function errors(count: number, first: string | null): string {
  if (count === 0) return '0';
  const text = (first ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 80);
  return `${count} (first: ${text})`;
}

/** The budget-bound runs, with how their rate fell from the first to the last tenth of their batches. */
function partialNotes(r: BenchResults): string[] {
  const notes: string[] = [];
  for (const a of r.approaches) {
    for (const [mode, s] of [
      ['idle', a.idle],
      ['load', a.load],
    ] as const) {
      if (s === null || s.firstTenthRowsPerSecond === null || s.lastTenthRowsPerSecond === null) continue;
      const stopped = s.complete
        ? 'finished'
        : `stopped at its ${r.settings.offsetBudgetSeconds} s budget after ${n(s.rowsFilled)} of ${n(r.settings.rows)} rows (partial; rows/s is over the rows it did)`;
      notes.push(
        `- ${a.label}, ${mode}: ${stopped}. Each batch's OFFSET scan grows with the rows before it: ${n(s.firstTenthRowsPerSecond)} rows/s over the first 10% of its batches, ${n(s.lastTenthRowsPerSecond)} rows/s over the last 10%.`,
      );
    }
  }
  return notes;
}
