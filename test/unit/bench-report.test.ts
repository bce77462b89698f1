// The bench's Markdown report: the settings read back from the server and the machine's load up front,
// a loud banner when the server was not durable, both ratio columns, WAL and peak RSS, and the skewed,
// offline-ceiling and scaling sections with their targets met or missed, and the partitioned table
// beside the uniform one.
import { describe, expect, it } from 'vitest';
import type { BenchArgs } from '../../test/bench/bench-args.js';
import { renderMarkdown } from '../../test/bench/bench-report.js';
import { benchResults } from '../../test/bench/bench-results.js';
import type { MachineInfo, ServerSettings } from '../../test/bench/machine-info.js';
import type { CeilingRecord } from '../../test/bench/run-ceiling.js';
import type { RunRecord } from '../../test/bench/run-once.js';
import { benchRunRecord, MiB } from './bench-run-record.js';

const durable: ServerSettings = { fsync: 'on', synchronousCommit: 'on', fullPageWrites: 'on', sharedBuffers: '128MB', maxWalSize: '1GB' };

function machine(settings: ServerSettings = durable): MachineInfo {
  return {
    cores: 2,
    cpuModel: 'Test CPU',
    memoryGiB: 8,
    node: 'v20.0.0',
    server: 'embedded',
    postgres: '17.10',
    settings,
    loadAverageAtStart: [0.5, 0.4, 0.3],
  };
}

const args: BenchArgs = {
  rows: 1_000_000,
  repeat: 1,
  jsonOut: undefined,
  databaseUrl: 'postgres://u:secret@host/db',
  approaches: [
    'update',
    'keyset',
    'keyset-triggers',
    'online',
    'online-c2',
    'online-c2-skewed',
    'update-partitioned',
    'online-partitioned',
    'online-c2-partitioned',
  ],
  loadApproaches: [],
  unsafeFast: false,
  offsetBudgetSeconds: 60,
  baselineSeconds: 10,
  oltpConnections: 8,
  thinkMs: 2,
  scaling: true,
  otherOperations: true,
};

/** Idle at 1M rows over `seconds`, 250 MiB of WAL. */
const run = (approach: string, seconds: number, extra: Partial<RunRecord> = {}): RunRecord =>
  benchRunRecord(approach, 1, { walBytes: 250 * MiB, ...extra, seconds });

const ceiling = (operation: CeilingRecord['operation'], way: CeilingRecord['way'], seconds: number): CeilingRecord => ({
  operation,
  way,
  round: 1,
  rows: 1_000_000,
  seconds,
  walBytes: 5 * MiB,
  peakRssBytes: way === 'online' ? 120 * MiB : null,
});

const measurements = {
  records: [
    run('update', 10),
    run('keyset', 16),
    run('keyset-triggers', 20),
    run('online', 16, { peakRssBytes: 150 * MiB, settledBatchSize: 9_000 }),
    run('online-c2', 10, { peakRssBytes: 160 * MiB }),
    run('online-c2-skewed', 20, { peakRssBytes: 160 * MiB }),
    run('update-partitioned', 12.5),
    run('online-partitioned', 20, { peakRssBytes: 150 * MiB }),
    run('online-c2-partitioned', 8, { peakRssBytes: 160 * MiB }),
  ],
  ceilings: [
    ceiling('change-type', 'offline', 8),
    ceiling('change-type', 'online', 20),
    ceiling('create-index', 'offline', 2),
    ceiling('create-index', 'online', 3),
  ],
  scaled: [run('online', 68, { rows: 4_000_000, peakRssBytes: 180 * MiB, checkpoints: 2 }), run('update', 46, { rows: 4_000_000 })],
  loadAverageAtEnd: [1.5, 0.9, 0.4],
};

describe('renderMarkdown', () => {
  const text = renderMarkdown(benchResults(args, machine(), measurements));

  it('says what it ran on: the settings read back from the server, the machine and its load at start and end', () => {
    expect(text).toContain(
      'fsync=on, synchronous_commit=on, full_page_writes=on, shared_buffers=128MB, max_wal_size=1GB (durable, as PostgreSQL ships)',
    );
    expect(text).toContain('2 cores (Test CPU), 8 GiB');
    expect(text).toContain('load average (1, 5, 15 min) 0.5 0.4 0.3 at start, 1.5 0.9 0.4 at end');
    expect(text).not.toContain('NOT DURABLE');
    expect(text).not.toContain('secret');
  });

  it('gives each approach its rate, its three ratios, WAL and the CLI’s peak RSS', () => {
    expect(text).toContain('| vs UPDATE | vs keyset loop | vs loop + triggers |');
    expect(text).toContain('| single UPDATE (the ceiling) | idle | 10.00 | 100,000 | 1.00 | 1.60 | 2.00 |');
    expect(text).toContain(
      '| server-side keyset loop + online’s fill triggers (the same job) | idle | 20.00 | 50,000 | 0.50 | 0.80 | 1.00 |',
    );
    expect(text).toContain(
      '| online, defaults (adaptive, 100 ms target) | idle | 16.00 | 62,500 | 0.63 | 1.00 | 1.25 | – | – | – | – | – | – | – | 250 | 150 | 9,000 |',
    );
    expect(text).toContain('| online --concurrency 2 | idle | 10.00 | 100,000 | 1.00 | 1.60 | 2.00 |');
  });

  it('compares the skewed table with the uniform one against the target', () => {
    expect(text).toContain('| skewed | – | 50,000 | 0.50 (target ≥ 0.9: missed) | – |');
  });

  it('sets each fill on the partitioned table beside the same fill on the uniform one, with their ratio', () => {
    expect(text).toContain('### partitioned table: the same fills on the same rows partitioned by month, idle');
    expect(text).toContain(
      '| fill | unpartitioned s | unpartitioned rows/s | partitioned s | partitioned rows/s | partitioned / unpartitioned | vs UPDATE on it |',
    );
    expect(text).toContain('| single UPDATE (the ceiling) | 10.00 | 100,000 | 12.50 | 80,000 | 0.80 | 1.00 |');
    expect(text).toContain('| online, defaults (adaptive, 100 ms target) | 16.00 | 62,500 | 20.00 | 50,000 | 0.80 | 0.63 |');
    expect(text).toContain('| online --concurrency 2 | 10.00 | 100,000 | 8.00 | 125,000 | 1.25 | 1.56 |');
    // In the main table too, against the uniform table's references.
    expect(text).toContain('| online, defaults, partitioned table | idle | 20.00 | 50,000 | 0.50 | 0.80 | 1.00 |');
  });

  it('holds change-type and create-index against their offline statements', () => {
    expect(text).toMatch(
      /\| online change-type .* vs ALTER TABLE … ALTER COLUMN title TYPE varchar\(200\) \| 8\.00 \| 20\.00 \| 2\.50 \| 5\.0 \| 5\.0 \| 120 \|/,
    );
    expect(text).toMatch(/\| online create-index .* vs CREATE INDEX \(status, updated_at\) \| 2\.00 \| 3\.00 \| 1\.50 \|/);
  });

  it('gives the scaling time ratio and peak-RSS ratio with their targets, and the checkpoints at each size', () => {
    expect(text).toContain('| rows | fill s | rows/s | checkpoints during the fill |');
    expect(text).toContain('| 4,000,000 | 68.00 | 58,824 | 2 | 180 | 4.25 (target ≤ 4.4: met) | 1.20 (target ≤ 1.1: missed) |');
    expect(text).toContain(
      'The single `UPDATE` on the same two sizes: 10.00 s and 46.00 s, a time ratio of 4.60: how the server itself scales',
    );
  });

  it('opens with a loud banner when the server was not durable (--unsafe-fast)', () => {
    const fast = renderMarkdown(benchResults({ ...args, unsafeFast: true }, machine({ ...durable, fsync: 'off' }), measurements));
    expect(fast).toContain('> **NOT DURABLE (--unsafe-fast): fsync=off, synchronous_commit=on, full_page_writes=on.**');
    expect(fast).not.toContain('(durable, as PostgreSQL ships)');
  });

  it('leaves out the sections whose runs were not made', () => {
    const bare = renderMarkdown(
      benchResults(args, machine(), { ...measurements, ceilings: [], scaled: [], records: measurements.records.slice(0, 2) }),
    );
    expect(bare).not.toContain('### skewed table');
    expect(bare).not.toContain('### other long operations');
    expect(bare).not.toContain('### scaling');
    expect(bare).not.toContain('### partitioned table');
  });
});

describe('benchResults', () => {
  it('marks a run durable only when the server read back durable and --unsafe-fast was not given, and keeps the URL out', () => {
    expect(benchResults(args, machine(), measurements).durable).toBe(true);
    expect(benchResults(args, machine({ ...durable, synchronousCommit: 'off' }), measurements).durable).toBe(false);
    expect(JSON.stringify(benchResults(args, machine(), measurements))).not.toContain('secret');
  });
});
