// The bench's runs on small tables, idle: every approach it adds fills every row exactly once with the
// expression's value (runOnce checks it row by row), the CLI's peak RSS and the WAL are measured, the
// skewed table holds exactly the rows asked for, both offline ceilings leave what they must, and the
// partitioned table (issue 16) holds the uniform rows by month, its fills reported beside the plain ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLeafPartitions } from '../../src/catalog/leaf-partitions.js';
import { approaches, partitionedComparison } from '../../test/bench/approaches/index.js';
import type { BenchArgs } from '../../test/bench/bench-args.js';
import { renderMarkdown } from '../../test/bench/bench-report.js';
import { benchResults } from '../../test/bench/bench-results.js';
import { benchSchema, benchTable, openBenchSql, seedFreshTickets } from '../../test/bench/bench-table.js';
import { checkpointCount } from '../../test/bench/checkpoint-count.js';
import { machineInfo } from '../../test/bench/machine-info.js';
import { offlineCeilings } from '../../test/bench/offline-ceilings.js';
import { runCeiling } from '../../test/bench/run-ceiling.js';
import { runOnce, type RunRecord, type RunSettings } from '../../test/bench/run-once.js';
import { severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';

const rows = 3_000;

describe('bench runs', severalCliRuns, () => {
  const db = useTestDatabase('bench_runs');
  let sql: ReturnType<typeof openBenchSql>;
  let settings: RunSettings;
  beforeAll(() => {
    sql = openBenchSql(db.url);
    settings = { databaseUrl: db.url, offsetBudgetSeconds: 60, baselineSeconds: 1, oltpConnections: 2, thinkMs: 2 };
  });
  afterAll(async () => {
    await sql.end({ timeout: 5 });
  });

  it.each(['keyset', 'keyset-triggers', 'ctid'])('the server-side %s loop fills every row once, with the WAL it wrote', async (id) => {
    const approach = approaches.get(id);
    if (approach === undefined) throw new Error(`no approach ${id}`);
    const record = await runOnce(sql, approach, 'idle', rows, 1, settings);
    expect(record).toMatchObject({ rowsFilled: rows, complete: true, peakRssBytes: null });
    expect(record.walBytes).toBeGreaterThan(0);
  });

  it('counts the checkpoints the server starts', async () => {
    const before = await checkpointCount(sql);
    await sql.unsafe('checkpoint');
    expect(await checkpointCount(sql)).toBe(before + 1);
  });

  it('the keyset loop with the same job carries exactly the fill triggers online installs', async () => {
    const approach = approaches.get('keyset-triggers');
    if (approach === undefined) throw new Error('no approach keyset-triggers');
    await runOnce(sql, approach, 'idle', rows, 1, settings);
    const triggers = await sql.unsafe<{ name: string; definition: string }[]>(
      `select tgname as name, pg_get_triggerdef(oid) as definition from pg_trigger where tgrelid = 'tickets'::regclass and not tgisinternal order by tgname`,
    );
    expect(triggers.map((t) => t.definition)).toEqual([
      expect.stringMatching(/BEFORE INSERT ON .*tickets FOR EACH ROW WHEN \(\(new\.priority IS NULL\)\)/),
      // PostgreSQL 17 deparses `a is not distinct from b` as `NOT (a IS DISTINCT FROM b)`.
      expect.stringMatching(
        /BEFORE UPDATE ON .*tickets FOR EACH ROW WHEN \(\((NOT \()?new\.priority IS (NOT )?DISTINCT FROM old\.priority\)?\)\)/,
      ),
    ]);
  });

  it.each(['online', 'online-c2-skewed'])('%s runs the built CLI, fills every row, and reports its peak RSS', async (id) => {
    const approach = approaches.get(id);
    if (approach === undefined) throw new Error(`no approach ${id}`);
    const record = await runOnce(sql, approach, 'idle', rows, 1, settings);
    expect(record).toMatchObject({ rowsFilled: rows, complete: true });
    expect(record.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
  });

  it('seeds the skewed table with exactly the rows asked for: a dense half, a sparse half, a wide range', async () => {
    await seedFreshTickets(sql, rows, 'skewed');
    const [shape] = await sql.unsafe<{ n: string; top: string; below_half: string; wide: string }[]>(
      `select count(*) as n, max(id) as top, count(*) filter (where id <= max_id / 2) as below_half, count(pad) as wide
       from tickets, (select max(id) as max_id from tickets) m group by max_id`,
    );
    expect(Number(shape?.n)).toBe(rows);
    expect(Number(shape?.below_half)).toBeGreaterThan(rows * 0.85);
    expect(Number(shape?.wide)).toBeGreaterThan(0);
  });

  it.each(offlineCeilings.flatMap((c) => (['offline', 'online'] as const).map((way) => [c.id, way] as const)))(
    '%s, %s, leaves the table as it must',
    async (id, way) => {
      const ceiling = offlineCeilings.find((c) => c.id === id);
      if (ceiling === undefined) throw new Error(`no ceiling ${id}`);
      const record = await runCeiling(sql, db.url, ceiling, way, rows, 1);
      expect(record.seconds).toBeGreaterThan(0);
      expect(record.peakRssBytes === null).toBe(way === 'offline');
    },
  );

  it('seeds the uniform table’s rows partitioned by month: 12 monthly partitions and a default one, each holding rows', async () => {
    await seedFreshTickets(sql, rows, 'partitioned');
    const leaves = await listLeafPartitions(sql, { schema: benchSchema, name: benchTable });
    expect(leaves.map((p) => p.name)).toEqual([
      ...Array.from({ length: 12 }, (_, i) => `tickets_2025_${String(i + 1).padStart(2, '0')}`),
      'tickets_default',
    ]);
    expect(leaves.filter((p) => p.isDefault).map((p) => p.name)).toEqual(['tickets_default']);
    const counts = await sql.unsafe<{ partition: string; n: string }[]>(
      `select tableoid::regclass::text as partition, count(*) as n from ${benchTable} group by 1 order by 1`,
    );
    expect(counts).toHaveLength(13);
    const sizes = counts.map((c) => Number(c.n));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(rows);
    // About a 13th each (months of 28 to 31 days): every partition, the default too, holds a share.
    for (const size of sizes) expect(size).toBeGreaterThan(rows / 20);
    const [same] = await sql.unsafe<{ ids: string; lo: string; hi: string; escalated: string; resolved: string }[]>(
      `select count(distinct id) as ids, min(id) as lo, max(id) as hi,
              count(*) filter (where escalated) as escalated, count(resolved_at) as resolved from ${benchTable}`,
    );
    // The uniform fixture's ids and value pattern: escalated every 7th id, resolved 2 ids in 5.
    expect(same).toEqual({
      ids: String(rows),
      lo: '1',
      hi: String(rows),
      escalated: String(Math.floor(rows / 7)),
      resolved: String((rows / 5) * 2),
    });
    const [key] = await sql.unsafe<{ definition: string }[]>(
      `select pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = '${benchTable}'::regclass and contype = 'p'`,
    );
    expect(key?.definition).toBe('PRIMARY KEY (id, created_at)');
  });

  it('reports each partitioned fill beside the same fill unpartitioned, with its rate and the ratios', async () => {
    const ids = partitionedComparison.pairs.flatMap((p) => [p.unpartitioned, p.partitioned]);
    const records: RunRecord[] = [];
    for (const id of ids) {
      const approach = approaches.get(id);
      if (approach === undefined) throw new Error(`no approach ${id}`);
      // runOnce checks every row of the table holds the expression's value, on the partitioned table through its parent.
      records.push(await runOnce(sql, approach, 'idle', rows, 1, settings));
    }
    for (const record of records) expect(record).toMatchObject({ rowsFilled: rows, complete: true });
    const args: BenchArgs = {
      rows,
      repeat: 1,
      jsonOut: undefined,
      databaseUrl: db.url,
      approaches: ids,
      loadApproaches: [],
      unsafeFast: false,
      offsetBudgetSeconds: 60,
      baselineSeconds: 1,
      oltpConnections: 2,
      thinkMs: 2,
      scaling: false,
      otherOperations: false,
    };
    const machine = await machineInfo(sql, 'BENCH_DATABASE_URL');
    const results = benchResults(args, machine, { records, ceilings: [], scaled: [], loadAverageAtEnd: [0, 0, 0] });
    expect(results.partitioned.map((p) => p.partitioned)).toEqual(['update-partitioned', 'online-partitioned', 'online-c2-partitioned']);
    for (const p of results.partitioned) {
      expect(p.partitionedRowsPerSecond).toBeGreaterThan(0);
      expect(p.ratio).toBeCloseTo(p.partitionedRowsPerSecond / (p.unpartitionedRowsPerSecond ?? Number.NaN), 10);
    }
    expect(results.partitioned[0]?.ratioVsPartitionedUpdate).toBe(1);
    const text = renderMarkdown(results);
    expect(text).toContain('### partitioned table: the same fills on the same rows partitioned by month, idle');
    const rate = String.raw`[\d,]+`;
    const seconds = String.raw`\d+\.\d\d`;
    for (const label of ['single UPDATE \\(the ceiling\\)', 'online, defaults \\(adaptive, 100 ms target\\)', 'online --concurrency 2'])
      expect(text).toMatch(
        new RegExp(
          `\\| ${label} \\| ${seconds} \\| ${rate} \\| ${seconds} \\| ${rate} \\| ${seconds} \\| ${label.startsWith('single') ? '1\\.00' : seconds} \\|`,
        ),
      );
    // And each partitioned fill has its own row in the main table.
    expect(text).toMatch(/\| online, defaults, partitioned table \| idle \| \d+\.\d\d \| [\d,]+ \|/);
  });
});
