// `npm run bench`: on PostgreSQL's durable settings (or --unsafe-fast), fills a new column on a fresh
// tickets table with each approach, idle and (some) under an OLTP load, repeated interleaved; times
// change-type and create-index against their offline statements; then online at 4× the rows. Prints
// medians as Markdown to stdout, progress to stderr; --json-out writes everything.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startEmbeddedServer } from '../../src/embedded/embedded-server.js';
import { approaches, onlineDefaults, referenceIds } from './approaches/index.js';
import type { Approach } from './approaches/approach.js';
import { BenchArgsError, parseBenchArgs, type BenchArgs } from './bench-args.js';
import { renderMarkdown } from './bench-report.js';
import { benchResults } from './bench-results.js';
import { dropBenchSchemas, openBenchSql } from './bench-table.js';
import { compareForecast, forecastOperations, renderForecastComparison, type ForecastComparison } from './forecast-bench.js';
import { loadAverage, machineInfo } from './machine-info.js';
import { offlineCeilings } from './offline-ceilings.js';
import { runCeiling, type CeilingRecord } from './run-ceiling.js';
import { runOnce, type BenchMode, type RunRecord, type RunSettings } from './run-once.js';

const scalingFactor = 4;

const progress = (line: string): void => void process.stderr.write(`${line}\n`);
const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const mib = (bytes: number): string => `${n(bytes / 2 ** 20)} MB`;
const mb = (bytes: number | null): string => (bytes === null ? '' : `, ${mib(bytes)}`);

async function main(): Promise<number> {
  const forecastRows = forecastOnly(process.argv.slice(2));
  if (forecastRows !== undefined) {
    await forecastBench(forecastRows);
    return 0;
  }
  let command;
  try {
    command = parseBenchArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof BenchArgsError)) throw error;
    process.stderr.write(`bench: ${error.message}\n(npm run bench -- --help lists the flags)\n`);
    return error.exitCode;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${command.text}\n`);
    return 0;
  }
  await bench(command.args);
  return 0;
}

async function bench(args: BenchArgs): Promise<void> {
  const server =
    args.databaseUrl === undefined
      ? await startEmbeddedServer({ durable: !args.unsafeFast })
      : { url: args.databaseUrl, stop: async () => undefined };
  const sql = openBenchSql(server.url);
  try {
    const machine = await machineInfo(sql, args.databaseUrl === undefined ? 'embedded' : 'BENCH_DATABASE_URL');
    const s = machine.settings;
    if (args.unsafeFast)
      progress('UNSAFE-FAST: fsync=off. These figures flatter every approach that commits often; production never runs so.');
    progress(
      `PostgreSQL ${machine.postgres} (fsync=${s.fsync}, synchronous_commit=${s.synchronousCommit}, full_page_writes=${s.fullPageWrites}); ` +
        `${machine.cores} cores (${machine.cpuModel}), load ${machine.loadAverageAtStart.join(' ')}; ${n(args.rows)} rows × ${args.repeat} round(s)`,
    );
    const settings: RunSettings = { ...args, databaseUrl: server.url };
    const records: RunRecord[] = [];
    const ceilings: CeilingRecord[] = [];
    const scaled: RunRecord[] = [];
    const measure = async (approach: Approach, mode: BenchMode, rows: number, round: number): Promise<RunRecord> => {
      const record = await runOnce(sql, approach, mode, rows, round, settings);
      progress(`round ${round}/${args.repeat}  ${approach.label}, ${mode}, ${n(rows)} rows: ${describe(record)}`);
      return record;
    };
    const selected = (ids: readonly string[]): Approach[] => ids.flatMap((id) => approaches.get(id) ?? []);
    for (let round = 1; round <= args.repeat; round++) {
      for (const approach of selected(args.approaches)) records.push(await measure(approach, 'idle', args.rows, round));
      for (const approach of selected(args.loadApproaches)) records.push(await measure(approach, 'load', args.rows, round));
      if (args.otherOperations) {
        for (const ceiling of offlineCeilings) {
          for (const way of ['offline', 'online'] as const) {
            const record = await runCeiling(sql, server.url, ceiling, way, args.rows, round);
            ceilings.push(record);
            progress(`round ${round}/${args.repeat}  ${ceiling.id}, ${way}: ${record.seconds.toFixed(2)} s${mb(record.peakRssBytes)}`);
          }
        }
      }
      // Online at 4× the rows, and the single UPDATE beside it: how the server itself scales on this memory.
      if (args.scaling && args.approaches.includes(onlineDefaults.id)) {
        for (const approach of selected([referenceIds.singleUpdate, onlineDefaults.id].filter((id) => args.approaches.includes(id))))
          scaled.push(await measure(approach, 'idle', args.rows * scalingFactor, round));
      }
    }
    await dropBenchSchemas(sql);
    const results = benchResults(args, machine, { records, ceilings, scaled, loadAverageAtEnd: loadAverage() });
    process.stdout.write(renderMarkdown(results));
    if (args.jsonOut !== undefined) await writeFile(resolve(args.jsonOut), JSON.stringify(results, null, 2) + '\n');
  } finally {
    await sql.end({ timeout: 5 });
    await server.stop();
  }
}

/** `--approaches forecast [--rows N]`: the forecast bench alone (forecast-bench.ts); undefined otherwise. */
function forecastOnly(argv: readonly string[]): number | undefined {
  const at = argv.indexOf('--approaches');
  if (at < 0 || argv[at + 1] !== 'forecast') return undefined;
  const rowsAt = argv.indexOf('--rows');
  const rows = rowsAt < 0 ? 1_000_000 : Number((argv[rowsAt + 1] ?? '').replaceAll(/[_,]/g, ''));
  if (!Number.isInteger(rows) || rows < 1) throw new BenchArgsError(`--rows must be a positive integer, got "${argv[rowsAt + 1] ?? ''}"`);
  return rows;
}

async function forecastBench(rows: number): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const server =
    databaseUrl === undefined ? await startEmbeddedServer({ durable: true }) : { url: databaseUrl, stop: async () => undefined };
  const sql = openBenchSql(server.url);
  try {
    const machine = await machineInfo(sql, databaseUrl === undefined ? 'embedded' : 'BENCH_DATABASE_URL');
    progress(`PostgreSQL ${machine.postgres}; ${machine.cores} cores, load ${machine.loadAverageAtStart.join(' ')}; ${n(rows)} rows`);
    const results: ForecastComparison[] = [];
    for (const operation of forecastOperations) {
      const result = await compareForecast(sql, server.url, operation, rows);
      progress(
        `${operation}: ${result.items.map((i) => `${i.what.split(':')[0]} forecast ${i.forecastSeconds.toFixed(2)} s, actual ${i.actualSeconds?.toFixed(2) ?? '?'} s`).join('; ')}`,
      );
      results.push(result);
    }
    await dropBenchSchemas(sql);
    process.stdout.write(`load average at the end: ${loadAverage().join(' ')}\n\n${renderForecastComparison(results)}`);
  } finally {
    await sql.end({ timeout: 5 });
    await server.stop();
  }
}

function describe(r: RunRecord): string {
  const fill = `${r.seconds.toFixed(2)} s, ${n(r.rowsPerSecond)} rows/s${r.complete ? '' : ` (partial: ${n(r.rowsFilled)} rows)`}`;
  const batch = r.settledBatchSize === null ? '' : `, batch ${n(r.settledBatchSize)}`;
  const wal = `, WAL ${mib(r.walBytes)}, ${r.checkpoints} checkpoint(s)${r.peakRssBytes === null ? '' : `, peak RSS ${mib(r.peakRssBytes)}`}`;
  const o = r.oltp;
  const load =
    o === null
      ? ''
      : `; OLTP p99 ${o.fill.p99Ms.toFixed(1)} ms (baseline ${o.baseline.p99Ms.toFixed(1)}), max ${o.fill.maxMs.toFixed(0)} ms, ${o.fill.errors} errors, lock wait ${o.fillLockWaitMaxMs.toFixed(0)} ms`;
  return fill + batch + wal + load;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
