// `npm run bench -- --approaches forecast [--rows N]`: how far to trust `online plan`'s forecast. For
// add-column (with its backfill), change-type and create-index, each on a fresh tickets table: the
// forecast (`online plan <spec> --json`, calibrated), then the real run (`online start <spec> --json`),
// and per step and backfill task the forecast duration beside the one the CLI's events report, and
// the run's WAL (pg_current_wal_lsn before and after) beside the forecast's for expand + backfill.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type postgres from 'postgres';
import type { PlanForecast } from '../../src/forecast/plan-forecast.js';
import { priorityExpression } from '../support/tickets-fixture.js';
import { benchSchema, benchStateSchema, benchTable, seedFreshTickets } from './bench-table.js';
import { eventsOf, runOnlineCli } from './online-cli-run.js';
import { walPosition, walSince } from './run-once.js';

const cliEntry = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

const target = { schema: benchSchema, table: benchTable };
const specs = {
  'add-column': { op: 'add-column', ...target, column: 'priority', type: 'text', backfill: priorityExpression },
  'change-type': { op: 'change-type', ...target, column: 'title', type: 'varchar(200)' },
  'create-index': { op: 'create-index', ...target, columns: ['status', 'updated_at'], name: 'tickets_status_updated_at_idx' },
} as const;

export interface ForecastComparison {
  readonly operation: keyof typeof specs;
  readonly rows: number;
  /** `expand 1`, `backfill public.tickets.priority`… */
  readonly items: readonly {
    readonly what: string;
    readonly forecastSeconds: number;
    readonly actualSeconds: number | null;
    readonly method: string;
  }[];
  readonly forecastWalBytes: number;
  readonly actualWalBytes: number;
  /** The forecast itself, wall clock (plan with calibration). */
  readonly planSeconds: number;
}

async function planJson(databaseUrl: string, file: string): Promise<{ forecast?: PlanForecast }> {
  const { stdout } = await promisify(execFile)(process.execPath, [cliEntry, 'plan', file, '--json'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, CI: '1' },
    maxBuffer: 64 * 1024 ** 2,
  });
  return JSON.parse(stdout) as { forecast?: PlanForecast };
}

export async function compareForecast(
  sql: postgres.Sql,
  databaseUrl: string,
  operation: keyof typeof specs,
  rows: number,
): Promise<ForecastComparison> {
  await seedFreshTickets(sql, rows);
  const dir = await mkdtemp(join(tmpdir(), 'online-forecast-bench-'));
  try {
    const file = join(dir, `bench-${operation}.json`);
    await writeFile(file, JSON.stringify({ name: `bench-${operation}`, operations: [specs[operation]] }));
    const planFrom = Date.now();
    const { forecast } = await planJson(databaseUrl, file);
    const planSeconds = (Date.now() - planFrom) / 1000;
    if (forecast === undefined) throw new Error(`online plan gave no forecast for ${operation}`);
    const walFrom = await walPosition(sql);
    const run = await runOnlineCli(databaseUrl, ['start', file, '--state-schema', benchStateSchema]);
    const actualWalBytes = await walSince(sql, walFrom);
    const steps = eventsOf(run, 'step').filter((e) => e.event.phase === 'expand' && e.event.skipped !== true);
    const done = eventsOf(run, 'backfill-done');
    const items = [
      ...forecast.expand.map((s, i) => ({
        what: `expand ${i + 1}: ${s.description}`,
        forecastSeconds: s.estimate.seconds,
        actualSeconds: ((n) => (n === undefined ? null : Number(n) / 1000))(
          steps.find((e) => Number(e.event.index) === i)?.event.durationMs,
        ),
        method: s.estimate.method,
      })),
      ...forecast.backfill.map((t) => ({
        what: `backfill ${t.id}`,
        forecastSeconds: t.estimate.seconds,
        actualSeconds: ((s) => (s === undefined ? null : Number(s)))(done.find((e) => e.event.task === t.id)?.event.seconds),
        method: t.estimate.method,
      })),
    ];
    const forecastWalBytes = [...forecast.expand.map((s) => s.estimate), ...forecast.backfill.map((t) => t.estimate)].reduce(
      (a, e) => a + e.walBytes,
      0,
    );
    return { operation, rows, items, forecastWalBytes, actualWalBytes, planSeconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const forecastOperations = Object.keys(specs) as (keyof typeof specs)[];

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const s = (seconds: number | null): string => (seconds === null ? '?' : seconds < 1 ? seconds.toFixed(3) : seconds.toFixed(2));

export function renderForecastComparison(results: readonly ForecastComparison[]): string {
  const lines = [
    '## forecast against actual',
    '',
    '| operation | rows | step or task | forecast s | actual s | actual / forecast |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    for (const item of r.items) {
      const ratio = item.actualSeconds === null || item.forecastSeconds <= 0 ? '' : (item.actualSeconds / item.forecastSeconds).toFixed(2);
      lines.push(
        `| ${r.operation} | ${r.rows.toLocaleString('en-US')} | ${item.what} | ${s(item.forecastSeconds)} | ${s(item.actualSeconds)} | ${ratio} |`,
      );
    }
  }
  lines.push(
    '',
    '| operation | rows | forecast WAL (expand + backfill) | actual WAL (the run) | actual / forecast | plan took s |',
    '|---|---|---|---|---|---|',
  );
  for (const r of results) {
    lines.push(
      `| ${r.operation} | ${r.rows.toLocaleString('en-US')} | ${mb(r.forecastWalBytes)} | ${mb(r.actualWalBytes)} | ${r.forecastWalBytes > 0 ? (r.actualWalBytes / r.forecastWalBytes).toFixed(2) : ''} | ${r.planSeconds.toFixed(1)} |`,
    );
  }
  lines.push(
    '',
    'Methods:',
    ...results.flatMap((r) =>
      r.items.filter((i) => !i.method.startsWith('catalog only')).map((i) => `- ${r.operation}, ${i.what}: ${i.method}`),
    ),
  );
  return `${lines.join('\n')}\n`;
}
