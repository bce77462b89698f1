// The bench's command line: durable by default, --unsafe-fast only on its own server, approaches in
// registry order, the load subset, and every bad flag a BenchArgsError (exit 2) naming what is wrong.
import { describe, expect, it } from 'vitest';
import { defaultApproachIds, defaultLoadApproachIds } from '../../test/bench/approaches/index.js';
import { BenchArgsError, parseBenchArgs, type BenchArgs } from '../../test/bench/bench-args.js';

function run(argv: readonly string[], env: NodeJS.ProcessEnv = {}): BenchArgs {
  const command = parseBenchArgs(argv, env);
  if (command.kind !== 'run') throw new Error('expected a run');
  return command.args;
}

function refusal(argv: readonly string[], env: NodeJS.ProcessEnv = {}): BenchArgsError {
  try {
    parseBenchArgs(argv, env);
  } catch (error) {
    if (error instanceof BenchArgsError) return error;
    throw error;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('parseBenchArgs', () => {
  it('defaults to a durable 1M-row run of every approach, online-auto included, some under load, with scaling and the offline ceilings', () => {
    const args = run([]);
    expect(args).toMatchObject({ rows: 1_000_000, repeat: 2, unsafeFast: false, scaling: true, otherOperations: true, jsonOut: undefined });
    expect(args.approaches).toEqual(defaultApproachIds);
    expect(args.approaches).toContain('online-auto');
    expect(args.approaches).toEqual(expect.arrayContaining(['update', 'keyset', 'ctid', 'offset', 'pgroll', 'online', 'online-c2']));
    expect(args.loadApproaches).toEqual(defaultLoadApproachIds);
    expect(args.databaseUrl).toBeUndefined();
  });

  it('reads --rows with separators, BENCH_ROWS, --repeat, --json-out and the negated switches', () => {
    const args = run([
      '--rows',
      '100_000',
      '--repeat',
      '1',
      '--json-out',
      'out.json',
      '--no-scaling',
      '--no-other-operations',
      '--unsafe-fast',
    ]);
    expect(args).toMatchObject({ rows: 100_000, repeat: 1, jsonOut: 'out.json', scaling: false, otherOperations: false, unsafeFast: true });
    expect(run([], { BENCH_ROWS: '2,000' }).rows).toBe(2_000);
  });

  it('keeps the registry order whatever order --approaches lists, so the references run first in each round', () => {
    const args = run(['--approaches', 'online, update,keyset', '--load-approaches', 'online,update']);
    expect(args.approaches).toEqual(['update', 'keyset', 'online']);
    expect(args.loadApproaches).toEqual(['update', 'online']);
  });

  it('limits the default load list to the chosen approaches, and takes "none" and "all"', () => {
    expect(run(['--approaches', 'update,ctid']).loadApproaches).toEqual(['update']);
    expect(run(['--load-approaches', 'none']).loadApproaches).toEqual([]);
    expect(run(['--approaches', 'all']).approaches).toContain('online-auto');
  });

  it('runs the partitioned fills by default, and takes "partitioned" for each of them and its twin on the plain table', () => {
    expect(run([]).approaches).toEqual(expect.arrayContaining(['update-partitioned', 'online-partitioned', 'online-c2-partitioned']));
    const args = run(['--approaches', 'partitioned,keyset', '--load-approaches', 'none']);
    expect(args.approaches).toEqual([
      'update',
      'keyset',
      'online',
      'online-c2',
      'update-partitioned',
      'online-partitioned',
      'online-c2-partitioned',
    ]);
    expect(args.loadApproaches).toEqual([]);
  });

  it('answers --help with the usage, naming every flag', () => {
    const command = parseBenchArgs(['--help'], {});
    expect(command.kind).toBe('help');
    if (command.kind !== 'help') return;
    for (const flag of ['--rows', '--repeat', '--approaches', '--load-approaches', '--unsafe-fast', '--json-out', '--[no-]scaling']) {
      expect(command.text).toContain(flag);
    }
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--rows'], /--rows/],
    [['--rows', 'many'], /--rows must be a non-negative integer, got "many"/],
    [['--rows', '0'], /--rows must be a positive integer/],
    [['--rows', '999'], /--rows must be at least 1,000/],
    [['--repeat=-1'], /--repeat must be a non-negative integer, got "-1"/],
    [['--repeat', '2.5'], /--repeat must be a non-negative integer/],
    [['--approaches', 'update,warp'], /--approaches: unknown warp; choose from update,keyset/],
    [['--approaches', ','], /--approaches needs at least one of/],
    [['--approaches', 'update', '--load-approaches', 'keyset'], /--load-approaches: keyset not in --approaches/],
    [['--load-approaches', 'ctid'], /ctid runs idle only/],
    [['stray'], /Unexpected argument 'stray'/],
  ])('refuses %j with exit 2: %s', (argv, message) => {
    const error = refusal(argv);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
  });

  it('refuses --unsafe-fast on a BENCH_DATABASE_URL server, whose settings it cannot change', () => {
    const env = { BENCH_DATABASE_URL: 'postgres://u:p@db/x' };
    expect(refusal(['--unsafe-fast'], env).message).toMatch(/--unsafe-fast applies to the embedded server only/);
    expect(run([], env).databaseUrl).toBe('postgres://u:p@db/x');
  });
});
