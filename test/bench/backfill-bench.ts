// `npm run bench`: fills a new column on a fresh tickets table with each approach (single UPDATE,
// Alembic LIMIT/OFFSET, pgroll-style, online defaults, online concurrency 2), idle and under an OLTP
// load, repeated interleaved; then online at 4× the rows. Prints medians as Markdown; --json-out too.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startEmbeddedServer } from '../../src/embedded/embedded-server.js';
import { approaches, onlineDefaults } from './approaches/index.js';
import type { Approach } from './approaches/approach.js';
import { parseBenchArgs } from './bench-args.js';
import { renderMarkdown } from './bench-report.js';
import { runsOf, summarizeBaseline, summarizeMode, summarizeScaling, type BenchResults } from './bench-summary.js';
import { dropBenchSchemas, openBenchSql } from './bench-table.js';
import { machineInfo } from './machine-info.js';
import { runOnce, type BenchMode, type RunRecord, type RunSettings } from './run-once.js';

const modes: readonly BenchMode[] = ['idle', 'load'];
const scalingFactor = 4;

const progress = (line: string): void => void process.stderr.write(`${line}\n`);
const n = (x: number): string => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), process.env);
  const server = args.databaseUrl === undefined ? await startEmbeddedServer() : { url: args.databaseUrl, stop: async () => undefined };
  const sql = openBenchSql(server.url);
  try {
    const machine = await machineInfo(sql, args.databaseUrl === undefined ? 'embedded' : 'BENCH_DATABASE_URL');
    progress(
      `PostgreSQL ${machine.postgres}; ${machine.cores} cores (${machine.cpuModel}); ${n(args.rows)} rows × ${args.repeat} round(s)`,
    );
    const settings: RunSettings = { ...args, databaseUrl: server.url };
    const selected = args.approaches.map((id) => approaches[id]);
    const scaling = args.scaling && args.approaches.includes('d');
    const records: RunRecord[] = [];
    const scaled: RunRecord[] = [];
    const measure = async (approach: Approach, mode: BenchMode, rows: number, round: number): Promise<RunRecord> => {
      const record = await runOnce(sql, approach, mode, rows, round, settings);
      progress(`round ${round}/${args.repeat}  ${approach.label}, ${mode}, ${n(rows)} rows: ${describe(record)}`);
      return record;
    };
    for (let round = 1; round <= args.repeat; round++) {
      for (const mode of modes) for (const approach of selected) records.push(await measure(approach, mode, args.rows, round));
      if (scaling) scaled.push(await measure(onlineDefaults, 'idle', args.rows * scalingFactor, round));
    }
    await dropBenchSchemas(sql);
    const results: BenchResults = {
      settings: {
        rows: args.rows,
        repeat: args.repeat,
        approaches: args.approaches,
        offsetBudgetSeconds: args.offsetBudgetSeconds,
        baselineSeconds: args.baselineSeconds,
        oltpConnections: args.oltpConnections,
        thinkMs: args.thinkMs,
        scaling: scaling,
      },
      machine,
      approaches: selected.map((a) => ({
        id: a.id,
        label: a.label,
        idle: summarizeMode(runsOf(records, a.id, 'idle'), runsOf(records, 'a', 'idle')),
        load: summarizeMode(runsOf(records, a.id, 'load'), runsOf(records, 'a', 'load')),
      })),
      baseline: summarizeBaseline(records),
      scaling: scaling ? summarizeScaling(runsOf(records, 'd', 'idle'), scaled) : null,
    };
    process.stdout.write(renderMarkdown(results));
    if (args.jsonOut !== undefined) await writeFile(resolve(args.jsonOut), JSON.stringify(results, null, 2) + '\n');
  } finally {
    await sql.end({ timeout: 5 });
    await server.stop();
  }
}

function describe(r: RunRecord): string {
  const fill = `${r.seconds.toFixed(2)} s, ${n(r.rowsPerSecond)} rows/s${r.complete ? '' : ` (partial: ${n(r.rowsFilled)} rows)`}`;
  const batch = r.settledBatchSize === null ? '' : `, batch ${n(r.settledBatchSize)}`;
  const o = r.oltp;
  const load =
    o === null
      ? ''
      : `; OLTP p99 ${o.fill.p99Ms.toFixed(1)} ms (baseline ${o.baseline.p99Ms.toFixed(1)}), max ${o.fill.maxMs.toFixed(0)} ms, ${o.fill.errors} errors, lock wait ${o.fillLockWaitMaxMs.toFixed(0)} ms`;
  return fill + batch + load;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
