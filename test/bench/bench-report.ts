// Turns the timed runs into the summary (median seconds, rows/s, ratio vs the single UPDATE) and renders it.
import type { MachineInfo } from './machine-info.js';
import { median } from './median.js';

export interface VariantRuns {
  readonly id: string;
  readonly label: string;
  readonly seconds: readonly number[];
}

export interface VariantSummary extends VariantRuns {
  readonly medianSeconds: number;
  readonly rowsPerSecond: number;
  /** rows/s relative to the baseline's; above 1 is faster. */
  readonly ratioVsBaseline: number;
}

export interface BenchResults {
  readonly rows: number;
  readonly repeat: number;
  readonly machine: MachineInfo;
  readonly variants: readonly VariantSummary[];
}

/** The first variant is the baseline the others are compared with. */
export function summarize(rows: number, repeat: number, machine: MachineInfo, runs: readonly VariantRuns[]): BenchResults {
  const baseline = runs[0];
  if (baseline === undefined) throw new Error('no variants were run');
  const baselineSeconds = median(baseline.seconds);
  const variants = runs.map((r) => {
    const medianSeconds = median(r.seconds);
    return { ...r, medianSeconds, rowsPerSecond: rows / medianSeconds, ratioVsBaseline: baselineSeconds / medianSeconds };
  });
  return { rows, repeat, machine, variants };
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const lines = [
    `## backfill bench: ${n(results.rows)} rows, median of ${results.repeat} interleaved run(s)`,
    '',
    `machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}; PostgreSQL ${m.postgres} (${m.server}, fsync=${m.fsync}, shared_buffers=${m.sharedBuffers})`,
    '',
    '| variant | median seconds | rows/s | ratio vs single UPDATE | all runs (s) |',
    '|---|---:|---:|---:|---|',
    ...results.variants.map(
      (v) => `| ${v.label} | ${v.medianSeconds.toFixed(2)} | ${n(v.rowsPerSecond)} | ${v.ratioVsBaseline.toFixed(2)} | ${v.seconds.map((s) => s.toFixed(2)).join(', ')} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}
