// The demo's result as data, whether it passed, and the small table the CLI prints from it.
import type { LatencySummary } from './latency-stats.js';
import type { DemoChecks } from './verify-demo.js';

export interface DemoSummary {
  readonly rows: number;
  readonly writers: number;
  readonly batchSize: number;
  readonly seedSeconds: number;
  readonly migration: {
    readonly name: string;
    readonly status: string;
    readonly seconds: number;
    readonly backfillRows: number;
    readonly backfillRowsPerSecond: number;
    /** The size adaptive sizing ended on (the median of the last batches). */
    readonly settledBatchSize: number;
  };
  readonly traffic: {
    readonly before: LatencySummary;
    readonly during: LatencySummary;
    readonly errors: number;
  };
  readonly checks: DemoChecks;
  /** No traffic error, every row consistent, NOT NULL in place, no trigger left behind. */
  readonly ok: boolean;
}

export function demoPassed(traffic: DemoSummary['traffic'], checks: DemoChecks): boolean {
  return traffic.errors === 0 && checks.inconsistentRows === 0 && checks.columnNotNull && checks.leftoverTriggers === 0;
}

const count = (n: number): string => n.toLocaleString('en-US');
const ms = (n: number): string => `${n.toFixed(1)} ms`;

/** Human-readable lines: a two-column table, then the latency before and during the migration. */
export function formatDemoSummary(s: DemoSummary): string[] {
  const { before, during } = s.traffic;
  const facts: [string, string][] = [
    ['tickets seeded', `${count(s.rows)} in ${s.seedSeconds.toFixed(1)}s`],
    ['migration', `${s.migration.name} (${s.migration.status}) in ${s.migration.seconds.toFixed(1)}s`],
    [
      'backfill',
      `${count(s.migration.backfillRows)} rows at ${count(s.migration.backfillRowsPerSecond)} rows/s (batches adapted from ${count(s.batchSize)} to ${count(s.migration.settledBatchSize)} rows)`,
    ],
    [
      'traffic',
      `${s.writers} writer${s.writers === 1 ? '' : 's'}, ${count(before.ops)} ops before, ${count(during.ops)} ops during the migration`,
    ],
    ['traffic errors', count(s.traffic.errors) + (firstError(s) === undefined ? '' : ` (first: ${firstError(s)})`)],
    ['inconsistent rows', `${count(s.checks.inconsistentRows)} of ${count(s.checks.rowsAfter)}`],
    ['priority NOT NULL', s.checks.columnNotNull ? 'yes' : 'NO'],
    ['leftover triggers', count(s.checks.leftoverTriggers)],
  ];
  const width = Math.max(...facts.map(([k]) => k.length));
  const latency = [
    ['latency', 'p50', 'p99', 'max'],
    ['before', ms(before.p50Ms), ms(before.p99Ms), ms(before.maxMs)],
    ['during', ms(during.p50Ms), ms(during.p99Ms), ms(during.maxMs)],
  ];
  return [
    ...facts.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    '',
    ...latency.map(([label, ...cells]) => `  ${(label ?? '').padEnd(width)}  ${cells.map((c) => c.padStart(10)).join('')}`),
    '',
    s.ok ? '  ✓ no errors, every row consistent' : '  ✗ the demo found problems (see above)',
  ];
}

function firstError(s: DemoSummary): string | undefined {
  return s.traffic.during.firstError ?? s.traffic.before.firstError;
}
