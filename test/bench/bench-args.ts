// The benchmark's settings: `--rows` (or BENCH_ROWS), `--repeat`, `--json-out`, and BENCH_DATABASE_URL.
import { parseArgs } from 'node:util';

export interface BenchArgs {
  readonly rows: number;
  readonly repeat: number;
  /** Where to write the results as JSON; no file without it. */
  readonly jsonOut: string | undefined;
  /** An existing server to use instead of a throwaway embedded one. */
  readonly databaseUrl: string | undefined;
}

export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: { rows: { type: 'string' }, repeat: { type: 'string' }, 'json-out': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const databaseUrl = env.BENCH_DATABASE_URL;
  return {
    rows: positiveInteger('--rows', values.rows ?? env.BENCH_ROWS, 1_000_000),
    repeat: positiveInteger('--repeat', values.repeat, 3),
    jsonOut: values['json-out'],
    databaseUrl: databaseUrl === undefined || databaseUrl === '' ? undefined : databaseUrl,
  };
}

/** Accepts `1000000`, `1_000_000` or `1,000,000`. */
function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${flag} must be a positive integer, got "${text}"`);
  return value;
}
