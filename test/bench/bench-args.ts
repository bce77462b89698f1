// The benchmark's command line: table size, repeats, which approaches (idle, and which also under the
// OLTP load), durable or --unsafe-fast, the budgets, and BENCH_DATABASE_URL for an existing server.
// A bad flag is a BenchArgsError: the bench prints it with the usage and exits 2, having done nothing.
import { parseArgs } from 'node:util';
import { approaches, approachIds, defaultApproachIds, defaultLoadApproachIds, partitionedApproachIds } from './approaches/index.js';

export interface BenchArgs {
  readonly rows: number;
  readonly repeat: number;
  /** Where to write the results as JSON; no file without it. */
  readonly jsonOut: string | undefined;
  /** An existing server to use instead of a throwaway embedded one. */
  readonly databaseUrl: string | undefined;
  /** Run idle, in registry order. */
  readonly approaches: readonly string[];
  /** Also run under the OLTP load; a subset of `approaches`. */
  readonly loadApproaches: readonly string[];
  /** The embedded server with fsync=off, as the tests run: not what production sees. */
  readonly unsafeFast: boolean;
  /** LIMIT/OFFSET stops starting batches after this long; its rate is then over what it did. */
  readonly offsetBudgetSeconds: number;
  /** The OLTP load with no migration, measured on each fresh table before a fill under load. */
  readonly baselineSeconds: number;
  readonly oltpConnections: number;
  readonly thinkMs: number;
  /** Also run `online` defaults, idle, at 4× --rows. */
  readonly scaling: boolean;
  /** Also time change-type and create-index against ALTER COLUMN TYPE and CREATE INDEX. */
  readonly otherOperations: boolean;
}

export type BenchCommand = { readonly kind: 'help'; readonly text: string } | { readonly kind: 'run'; readonly args: BenchArgs };

/** Invalid input: exit 2, nothing run. */
export class BenchArgsError extends Error {
  readonly exitCode = 2;
}

export const defaultRepeat = 2;

export const benchUsage = `Usage: npm run bench -- [flags]

Fills a new column on fresh 'tickets' tables with each approach, on PostgreSQL's durable settings, idle
and under an OLTP load; then change-type and create-index against their offline statements, and online
at 4x the rows. Prints a Markdown report to stdout and progress to stderr.

  --rows N                  rows per table (default 1,000,000; or BENCH_ROWS); at least 1,000
  --repeat N                interleaved rounds; the report gives medians (default ${defaultRepeat})
  --approaches LIST         comma-separated, or "all" (default ${defaultApproachIds.join(',')})
                            known: ${approachIds.join(',')}
                            "partitioned" in the list: ${partitionedApproachIds.join(',')}
                            (each fill on the table partitioned by month, and on the plain one)
  --load-approaches LIST    which of those also run under the OLTP load, or "none"
                            (default ${defaultLoadApproachIds.join(',')})
  --unsafe-fast             embedded PostgreSQL with fsync=off (faster, NOT what production sees;
                            labelled in the report and the JSON)
  --json-out FILE           also write every figure and every run as JSON
  --[no-]scaling            online defaults at 4x --rows, idle (default on)
  --[no-]other-operations   change-type and create-index against their offline ceilings (default on)
  --offset-budget S         seconds LIMIT/OFFSET may run before it stops (default 60)
  --baseline-seconds S      no-migration OLTP baseline before each loaded fill (default 10)
  --oltp-connections N      OLTP connections (default 8)
  --think-ms N              OLTP think time per operation (default 2)
  --help                    this text

BENCH_DATABASE_URL=postgres://… runs against an existing server (its own settings; --unsafe-fast is
refused there) in schemas online_bench and online_bench_state, which it drops and recreates.
Exit codes: 0 done, 1 a run failed, 2 invalid flags.`;

export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchCommand {
  const values = parseFlags(argv);
  if (values.help) return { kind: 'help', text: benchUsage };
  const databaseUrl = env.BENCH_DATABASE_URL === undefined || env.BENCH_DATABASE_URL === '' ? undefined : env.BENCH_DATABASE_URL;
  if (values['unsafe-fast'] && databaseUrl !== undefined)
    throw new BenchArgsError('--unsafe-fast applies to the embedded server only: BENCH_DATABASE_URL runs on that server’s own settings');
  const selected = parseApproaches('--approaches', values.approaches, defaultApproachIds);
  const loadApproaches = parseLoadApproaches(values['load-approaches'], selected);
  const rows = positiveInteger('--rows', values.rows ?? env.BENCH_ROWS, 1_000_000);
  if (rows < 1_000) throw new BenchArgsError(`--rows must be at least 1,000, got ${rows}`);
  return {
    kind: 'run',
    args: {
      rows,
      repeat: positiveInteger('--repeat', values.repeat, defaultRepeat),
      jsonOut: values['json-out'],
      databaseUrl,
      approaches: selected,
      loadApproaches,
      unsafeFast: values['unsafe-fast'],
      offsetBudgetSeconds: positiveInteger('--offset-budget', values['offset-budget'], 60),
      baselineSeconds: positiveInteger('--baseline-seconds', values['baseline-seconds'], 10),
      oltpConnections: positiveInteger('--oltp-connections', values['oltp-connections'], 8),
      thinkMs: nonNegativeInteger('--think-ms', values['think-ms'], 2),
      scaling: values.scaling,
      otherOperations: values['other-operations'],
    },
  };
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        rows: { type: 'string' },
        repeat: { type: 'string' },
        'json-out': { type: 'string' },
        approaches: { type: 'string' },
        'load-approaches': { type: 'string' },
        'unsafe-fast': { type: 'boolean', default: false },
        'offset-budget': { type: 'string' },
        'baseline-seconds': { type: 'string' },
        'oltp-connections': { type: 'string' },
        'think-ms': { type: 'string' },
        scaling: { type: 'boolean', default: true },
        'other-operations': { type: 'boolean', default: true },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
      allowNegative: true,
    }).values;
  } catch (error) {
    // node:util's own message names the flag (unknown option, missing value, unexpected argument).
    throw new BenchArgsError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** In registry order, so the references run first in every round. */
function parseApproaches(flag: string, text: string | undefined, fallback: readonly string[]): readonly string[] {
  if (text === undefined) return fallback;
  if (text.trim() === 'all') return approachIds;
  const wanted = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .flatMap((s) => (s === 'partitioned' ? partitionedApproachIds : [s]));
  if (wanted.length === 0) throw new BenchArgsError(`${flag} needs at least one of ${approachIds.join(',')}`);
  const unknown = wanted.filter((id) => !approachIds.includes(id));
  if (unknown.length > 0) throw new BenchArgsError(`${flag}: unknown ${unknown.join(', ')}; choose from ${approachIds.join(',')}`);
  return approachIds.filter((id) => wanted.includes(id));
}

function parseLoadApproaches(text: string | undefined, selected: readonly string[]): readonly string[] {
  if (text === undefined) return defaultLoadApproachIds.filter((id) => selected.includes(id));
  if (text.trim() === 'none') return [];
  const wanted = parseApproaches('--load-approaches', text, []);
  const unselected = wanted.filter((id) => !selected.includes(id));
  if (unselected.length > 0) throw new BenchArgsError(`--load-approaches: ${unselected.join(', ')} not in --approaches`);
  for (const id of wanted) {
    const reason = approaches.get(id)?.idleOnly;
    if (reason !== undefined) throw new BenchArgsError(`--load-approaches: ${id} runs idle only (${reason})`);
  }
  return wanted;
}

/** Accepts `1000000`, `1_000_000` or `1,000,000`. */
function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  const value = nonNegativeInteger(flag, text, fallback);
  if (value < 1) throw new BenchArgsError(`${flag} must be a positive integer, got "${text ?? ''}"`);
  return value;
}

function nonNegativeInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(value) || value < 0) throw new BenchArgsError(`${flag} must be a non-negative integer, got "${text}"`);
  return value;
}
