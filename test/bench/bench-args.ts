// The benchmark's settings: table size, repeats, which approaches, the OLTP load, the budgets, and
// BENCH_DATABASE_URL for an existing server.
import { parseArgs } from 'node:util';
import { approachIds, type ApproachId } from './approaches/index.js';

export interface BenchArgs {
  readonly rows: number;
  readonly repeat: number;
  /** Where to write the results as JSON; no file without it. */
  readonly jsonOut: string | undefined;
  /** An existing server to use instead of a throwaway embedded one. */
  readonly databaseUrl: string | undefined;
  readonly approaches: readonly ApproachId[];
  /** (b) LIMIT/OFFSET stops starting batches after this long; its rate is then over what it did. */
  readonly offsetBudgetSeconds: number;
  /** The OLTP load with no migration, measured on each fresh table before a fill under load. */
  readonly baselineSeconds: number;
  readonly oltpConnections: number;
  readonly thinkMs: number;
  /** Also run `online` defaults, idle, at 4× --rows. */
  readonly scaling: boolean;
}

const usage =
  'flags: --rows N --repeat N --json-out FILE --approaches a,b,c,d,e --offset-budget S --baseline-seconds S --oltp-connections N --think-ms N --[no-]scaling';

export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rows: { type: 'string' },
      repeat: { type: 'string' },
      'json-out': { type: 'string' },
      approaches: { type: 'string' },
      'offset-budget': { type: 'string' },
      'baseline-seconds': { type: 'string' },
      'oltp-connections': { type: 'string' },
      'think-ms': { type: 'string' },
      scaling: { type: 'boolean', default: true },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
    allowNegative: true,
  });
  if (values.help) throw new Error(usage);
  const databaseUrl = env.BENCH_DATABASE_URL;
  return {
    rows: positiveInteger('--rows', values.rows ?? env.BENCH_ROWS, 1_000_000),
    repeat: positiveInteger('--repeat', values.repeat, 3),
    jsonOut: values['json-out'],
    databaseUrl: databaseUrl === undefined || databaseUrl === '' ? undefined : databaseUrl,
    approaches: parseApproaches(values.approaches),
    offsetBudgetSeconds: positiveInteger('--offset-budget', values['offset-budget'], 90),
    baselineSeconds: positiveInteger('--baseline-seconds', values['baseline-seconds'], 10),
    oltpConnections: positiveInteger('--oltp-connections', values['oltp-connections'], 8),
    thinkMs: nonNegativeInteger('--think-ms', values['think-ms'], 2),
    scaling: values.scaling,
  };
}

function parseApproaches(text: string | undefined): readonly ApproachId[] {
  if (text === undefined || text === '') return approachIds;
  const wanted = text.split(',').map((s) => s.trim());
  const unknown = wanted.filter((id) => !(approachIds as readonly string[]).includes(id));
  if (unknown.length > 0) throw new Error(`--approaches: unknown ${unknown.join(', ')}; choose from ${approachIds.join(',')}`);
  // Always in the canonical order, so (a) runs first and ratios have their reference.
  return approachIds.filter((id) => wanted.includes(id));
}

/** Accepts `1000000`, `1_000_000` or `1,000,000`. */
function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  const value = nonNegativeInteger(flag, text, fallback);
  if (value < 1) throw new Error(`${flag} must be a positive integer, got "${text ?? ''}"`);
  return value;
}

function nonNegativeInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${flag} must be a non-negative integer, got "${text}"`);
  return value;
}
