// Runs the built `online` CLI as a child process, as a user would, with --json: collects its NDJSON
// events stamped on arrival, its exit code, and its exact peak RSS (written by rss-preload.js at exit).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { epochMs } from './bench-clock.js';

/** The first that exists: compiled, the bench runs from build/test/bench/; tests run its source from test/bench/. */
function firstExisting(candidates: readonly string[]): URL {
  const urls = candidates.map((c) => new URL(c, import.meta.url));
  return urls.find((u) => existsSync(fileURLToPath(u))) ?? (urls[0] as URL);
}

const cliEntry = fileURLToPath(firstExisting(['../../bin/run.js', '../../../bin/run.js']));
/** Node runs the preload without a TypeScript loader, so always the compiled one. */
const preload = firstExisting(['./rss-preload.js', '../../build/test/bench/rss-preload.js']);

export interface CliEvent {
  /** When the line arrived, epoch ms. */
  readonly at: number;
  readonly event: Readonly<Record<string, unknown>>;
}

export interface OnlineCliRun {
  readonly events: readonly CliEvent[];
  readonly peakRssBytes: number;
  /** Spawn to exit, epoch ms. */
  readonly startedAt: number;
  readonly exitedAt: number;
}

/** `args` follow `online`; `--json` is added. Fails unless the CLI exits 0. */
export async function runOnlineCli(databaseUrl: string, args: readonly string[]): Promise<OnlineCliRun> {
  if (!existsSync(cliEntry)) throw new Error(`the online CLI is not at ${cliEntry}: run npm run build`);
  const scratch = await mkdtemp(join(tmpdir(), 'online-bench-'));
  const rssFile = join(scratch, 'max-rss');
  try {
    const startedAt = epochMs();
    // The scratch directory as working directory: no project config of the caller's applies.
    if (!existsSync(fileURLToPath(preload)))
      throw new Error(`the bench's RSS preload is not at ${fileURLToPath(preload)}: run npm run build:test`);
    const child = spawn(process.execPath, ['--import', preload.href, cliEntry, ...args, '--json'], {
      cwd: scratch,
      env: { ...process.env, DATABASE_URL: databaseUrl, CI: '1', ONLINE_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: CliEvent[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('{')) events.push({ at: epochMs(), event: JSON.parse(line) as Record<string, unknown> });
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const exitedAt = epochMs();
    if (code !== 0)
      throw new Error(`online ${args.slice(0, 2).join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
    const peakRssBytes = Number(await readFile(rssFile, 'utf8'));
    return { events, peakRssBytes, startedAt, exitedAt };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The events of one type, in arrival order. */
export function eventsOf(run: OnlineCliRun, type: string): CliEvent[] {
  return run.events.filter((e) => e.event.type === type);
}

/** From the first backfill-start to the last backfill-done (both passes of a rebuild): expand's DDL is not counted. */
export function backfillWindow(run: OnlineCliRun): { from: number; to: number } {
  const from = eventsOf(run, 'backfill-start')[0]?.at;
  const to = eventsOf(run, 'backfill-done').at(-1)?.at;
  if (from === undefined || to === undefined) throw new Error('the CLI emitted no backfill-start/backfill-done pair');
  return { from, to };
}
