// Renders the results as Markdown: what it ran on (settings read back from the server, the machine and
// its load), one row per approach and mode, the baseline, the skewed table, the partitioned table
// beside the plain one, the offline ceilings, the scaling rows, and how to read the ratios.
import type { BenchResults, CeilingSummary, ModeSummary, ScalingSummary, SkewSummary } from './bench-summary.js';
import type { PartitionedComparison } from './partitioned-summary.js';

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : n(x));
const mb = (bytes: number | null): string =>
  bytes === null ? dash : bytes < 10 * 2 ** 20 ? (bytes / 2 ** 20).toFixed(1) : n(bytes / 2 ** 20);
const ratio = (x: number | null): string => (x === null ? dash : x.toFixed(2));
const verdict = (value: number, target: number, atMost: boolean): string =>
  `target ${atMost ? '≤' : '≥'} ${target}: ${(atMost ? value <= target : value >= target) ? 'met' : 'missed'}`;
const dash = '–';

export function renderMarkdown(r: BenchResults): string {
  const s = r.settings;
  const lines = [
    `## backfill bench: ${n(s.rows)} rows, median of ${s.repeat} interleaved run(s), each on a fresh table`,
    '',
    ...setup(r),
    '',
    '| approach | mode | fill s | rows/s | vs UPDATE | vs keyset loop | vs loop + triggers | OLTP p50 ms (baseline) | OLTP p99 ms (baseline) | p99 vs baseline | OLTP max ms | OLTP ops/s | OLTP errors | worst writer lock wait ms | WAL MB | peak RSS MB | settled batch |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|',
  ];
  for (const a of r.approaches) {
    if (a.idle !== null) lines.push(approachRow(a.label, 'idle', a.idle));
    if (a.load !== null) lines.push(approachRow(a.label, 'load', a.load));
  }
  const b = r.baseline;
  if (b !== null) {
    const cells = [
      'no migration (baseline)',
      'load',
      dash,
      dash,
      dash,
      dash,
      dash,
      ms(b.p50Ms),
      ms(b.p99Ms),
      '1.0×',
      ms(b.maxMs),
      n(b.operationsPerSecond),
    ];
    lines.push(`| ${[...cells, errors(b.errors, b.firstError), ms(b.lockWaitMaxMs), dash, dash, dash].join(' | ')} |`);
  }
  lines.push('', ...readingNotes(), ...partialNotes(r));
  if (r.skew !== null) lines.push('', ...skewSection(r.skew));
  if (r.partitioned.length > 0) lines.push('', ...partitionedSection(r.partitioned));
  if (r.ceilings.length > 0) lines.push('', ...ceilingSection(r.ceilings));
  if (r.scaling !== null) lines.push('', ...scalingSection(r.scaling));
  return lines.join('\n') + '\n';
}

function setup(r: BenchResults): string[] {
  const m = r.machine;
  const c = m.settings;
  const s = r.settings;
  const warning = r.durable
    ? []
    : [
        `> **NOT DURABLE${s.unsafeFast ? ' (--unsafe-fast)' : ''}: fsync=${c.fsync}, synchronous_commit=${c.synchronousCommit}, full_page_writes=${c.fullPageWrites}.** No production server runs so; these figures flatter every approach that commits often.`,
        '',
      ];
  return [
    ...warning,
    `server: PostgreSQL ${m.postgres} (${m.server}), settings read back from it: fsync=${c.fsync}, synchronous_commit=${c.synchronousCommit}, full_page_writes=${c.fullPageWrites}, shared_buffers=${c.sharedBuffers}, max_wal_size=${c.maxWalSize}${r.durable ? ' (durable, as PostgreSQL ships)' : ''}`,
    '',
    `machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}; load average (1, 5, 15 min) ${m.loadAverageAtStart.join(' ')} at start, ${r.loadAverageAtEnd.join(' ')} at end`,
    '',
    `table: tickets, bigint key, 8 columns, 2 secondary indexes. OLTP load: ${s.oltpConnections} connections, point reads and single-row \`updated_at\` updates (50/50) on random keys, ${s.thinkMs} ms think time; baseline: ${s.baselineSeconds} s of it with no migration on each fresh table. Lock waits: pg_stat_activity sampled every 10 ms.`,
  ];
}

function approachRow(label: string, mode: string, s: ModeSummary): string {
  const o = s.oltp;
  const rate = s.complete ? n(s.rowsPerSecond) : `${n(s.rowsPerSecond)} (partial: ${n(s.rowsFilled)} rows)`;
  const cells = [
    label,
    mode,
    s.medianSeconds.toFixed(2),
    rate,
    ratio(s.ratioVsSingleUpdate),
    ratio(s.ratioVsKeyset),
    ratio(s.ratioVsKeysetSameJob),
    o === null ? dash : `${ms(o.p50Ms)} (${ms(o.baselineP50Ms)})`,
    o === null ? dash : `${ms(o.p99Ms)} (${ms(o.baselineP99Ms)})`,
    o === null ? dash : `${o.p99VsBaseline.toFixed(1)}×`,
    o === null ? dash : ms(o.maxMs),
    o === null ? dash : n(o.operationsPerSecond),
    o === null ? dash : errors(o.errors, o.firstError),
    o === null ? dash : ms(o.lockWaitMaxMs),
    mb(s.walBytes),
    mb(s.peakRssBytes),
    s.settledBatchSize === null ? dash : n(s.settledBatchSize),
  ];
  return `| ${cells.join(' | ')} |`;
}

function errors(count: number, first: string | null): string {
  if (count === 0) return '0';
  const text = (first ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 80);
  return `${count} (first: ${text})`;
}

function readingNotes(): string[] {
  return [
    '- **vs UPDATE** is rows/s over the single `UPDATE`’s in the same mode (the ceiling: one statement, one commit, no batching); **vs keyset loop** is over the server-side PL/pgSQL keyset loop’s, the best any batched tool can do on one connection; **vs loop + triggers** is over the same loop’s on a table carrying the fill triggers online installs, the same job online does. Above 1 is faster.',
    '- Any BEFORE UPDATE row trigger makes PostgreSQL lock each row before it updates it, whatever the trigger’s WHEN clause says: a WAL record more per row. No tool that keeps live writers’ rows right can shed it, so **keyset loop + fill triggers** against the keyset loop is its price, and online against **loop + triggers** is what online’s client and its bookkeeping (the cursor advanced in each batch’s statement) add.',
    '- online runs as the built CLI (`node bin/run.js start … --json`), timed from its first backfill-start to its last backfill-done event, so its expand DDL and start-up are not counted; peak RSS is the CLI process’s own (`process.resourceUsage().maxRSS` at exit).',
    '- WAL MB: `pg_wal_lsn_diff` from just before the fill to just after it; under load it includes the load’s own writes.',
    '- OLTP latencies are over the operations that started during the fill. A blocked writer starts no more operations, so a fill that blocks the load shows it in ops/s, the max and the worst lock wait rather than in p50/p99.',
  ];
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

function skewSection(k: SkewSummary): string[] {
  const single = (rate: number | null): string => (rate === null ? '–' : n(rate));
  const speedup = (two: number, one: number | null): string => (one === null ? '–' : (two / one).toFixed(2));
  return [
    '### skewed table: online --concurrency 2 against one worker, idle',
    '',
    'A dense half and a sparse half of the id space (ids 1…d, then every 10th id up to about 2d), the first fifth of the dense ids 10× wider; the same row count as the uniform table, but more bytes, so its rows/s is lower with any number of workers. The speed-up of two workers over one on each table compares how well the ranges finish together, free of that.',
    '',
    '| table | 1 worker rows/s | 2 workers rows/s | 2 workers vs uniform | speed-up of 2 over 1 |',
    '|---|---:|---:|---:|---:|',
    `| uniform | ${single(k.uniformSingleRowsPerSecond)} | ${n(k.uniformRowsPerSecond)} | 1.00 | ${speedup(k.uniformRowsPerSecond, k.uniformSingleRowsPerSecond)} |`,
    `| skewed | ${single(k.skewedSingleRowsPerSecond)} | ${n(k.skewedRowsPerSecond)} | ${k.ratio.toFixed(2)} (${verdict(k.ratio, k.target, false)}) | ${speedup(k.skewedRowsPerSecond, k.skewedSingleRowsPerSecond)} |`,
    ...(k.speedupRatio === null
      ? []
      : [
          '',
          `Speed-up on the skewed table over that on the uniform one: ${k.speedupRatio.toFixed(2)} (${verdict(k.speedupRatio, k.target, false)}).`,
        ]),
  ];
}

function partitionedSection(rows: readonly PartitionedComparison[]): string[] {
  const rate = (x: number | null): string => (x === null ? dash : n(x));
  const seconds = (x: number | null): string => (x === null ? dash : x.toFixed(2));
  return [
    '### partitioned table: the same fills on the same rows partitioned by month, idle',
    '',
    'The uniform table’s ids, columns and values, with `created_at` spread back from the end of 2025 over 13 months and the table partitioned by range on it: 12 monthly partitions and a default one (December 2024, about 8 % of the rows), primary key (id, created_at), the same two secondary indexes. **partitioned / unpartitioned** is rows/s on the partitioned table over the same fill’s on the uniform one, in the same run; **vs UPDATE on it** is over the single `UPDATE` on the partitioned table. Above 1 is faster.',
    '',
    '| fill | unpartitioned s | unpartitioned rows/s | partitioned s | partitioned rows/s | partitioned / unpartitioned | vs UPDATE on it |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (p) =>
        `| ${p.label} | ${seconds(p.unpartitionedSeconds)} | ${rate(p.unpartitionedRowsPerSecond)} | ${p.partitionedSeconds.toFixed(2)} | ${n(p.partitionedRowsPerSecond)} | ${ratio(p.ratio)} | ${ratio(p.ratioVsPartitionedUpdate)} |`,
    ),
  ];
}

function ceilingSection(ceilings: readonly CeilingSummary[]): string[] {
  return [
    '### other long operations against their offline ceilings, idle',
    '',
    '| operation | offline s | online s | time ratio (online / offline) | offline WAL MB | online WAL MB | online peak RSS MB |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...ceilings.map(
      (c) =>
        `| ${c.onlineLabel} vs ${c.offlineLabel} | ${c.offlineSeconds.toFixed(2)} | ${c.onlineSeconds.toFixed(2)} | ${c.timeRatio.toFixed(2)} | ${mb(c.offlineWalBytes)} | ${mb(c.onlineWalBytes)} | ${mb(c.onlinePeakRssBytes)} |`,
    ),
    '',
    '- change-type is timed from its first backfill-start to its last backfill-done (the fill and the verify pass); create-index over its expand steps as the CLI times them. The offline statements hold ACCESS EXCLUSIVE (ALTER) or SHARE (CREATE INDEX) for all of their time; online holds no lock that blocks writers.',
  ];
}

function scalingSection(c: ScalingSummary): string[] {
  const rss = c.rssRatio === null ? dash : `${c.rssRatio.toFixed(2)} (${verdict(c.rssRatio, c.rssTarget, true)})`;
  return [
    '### scaling: online defaults, idle',
    '',
    '| rows | fill s | rows/s | checkpoints during the fill | peak RSS MB | time ratio | peak RSS ratio |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    `| ${n(c.rows)} | ${c.seconds.toFixed(2)} | ${n(c.rows / c.seconds)} | ${n(c.checkpoints)} | ${mb(c.peakRssBytes)} | 1.00 | 1.00 |`,
    `| ${n(c.scaledRows)} | ${c.scaledSeconds.toFixed(2)} | ${n(c.scaledRows / c.scaledSeconds)} | ${n(c.scaledCheckpoints)} | ${mb(c.scaledPeakRssBytes)} | ${c.timeRatio.toFixed(2)} (${verdict(c.timeRatio, c.target, true)}) | ${rss} |`,
    ...(c.reference === null
      ? []
      : [
          '',
          `The single \`UPDATE\` on the same two sizes: ${c.reference.seconds.toFixed(2)} s and ${c.reference.scaledSeconds.toFixed(2)} s, a time ratio of ${c.reference.timeRatio.toFixed(2)}: how the server itself scales on this machine, against which to read online's.`,
        ]),
  ];
}
