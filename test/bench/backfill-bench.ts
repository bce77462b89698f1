// `npm run bench`: a single UPDATE vs online's keyset backfill at 1000 and 5000 rows/batch, each run on
// a freshly seeded tickets table, repeated interleaved; prints medians and ratios as a markdown table.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startEmbeddedServer } from '../../src/embedded/embedded-server.js';
import { parseBenchArgs } from './bench-args.js';
import { renderMarkdown, summarize, type VariantRuns } from './bench-report.js';
import { assertAllFilled, dropBenchSchemas, openBenchSql, seedFreshTickets } from './bench-table.js';
import { onlineBackfill, singleUpdate, type BenchVariant } from './bench-variants.js';
import { machineInfo } from './machine-info.js';

const variants: readonly BenchVariant[] = [singleUpdate, onlineBackfill(1000), onlineBackfill(5000)];

const progress = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), process.env);
  const server = args.databaseUrl === undefined ? await startEmbeddedServer() : { url: args.databaseUrl, stop: async () => undefined };
  const databaseUrl = server.url;
  const sql = openBenchSql(databaseUrl);
  try {
    const machine = await machineInfo(sql, args.databaseUrl === undefined ? 'embedded' : 'BENCH_DATABASE_URL');
    const seconds = new Map<string, number[]>(variants.map((v) => [v.id, []]));
    for (let round = 1; round <= args.repeat; round++) {
      for (const variant of variants) {
        await seedFreshTickets(sql, args.rows);
        const taken = await variant.run({ sql, databaseUrl, rows: args.rows });
        await assertAllFilled(sql, args.rows);
        seconds.get(variant.id)?.push(taken);
        progress(`round ${round}/${args.repeat}  ${variant.label}: ${taken.toFixed(2)} s (${Math.round(args.rows / taken).toLocaleString('en-US')} rows/s)`);
      }
    }
    await dropBenchSchemas(sql);
    const runs: VariantRuns[] = variants.map((v) => ({ id: v.id, label: v.label, seconds: seconds.get(v.id) ?? [] }));
    const results = summarize(args.rows, args.repeat, machine, runs);
    process.stdout.write(renderMarkdown(results));
    if (args.jsonOut !== undefined) await writeFile(resolve(args.jsonOut), JSON.stringify(results, null, 2) + '\n');
  } finally {
    await sql.end({ timeout: 5 });
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
