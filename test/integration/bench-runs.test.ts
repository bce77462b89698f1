// The bench's runs on small tables, idle: every approach it adds fills every row exactly once with the
// expression's value (runOnce checks it row by row), the CLI's peak RSS and the WAL are measured, the
// skewed table holds exactly the rows asked for, and both offline ceilings leave what they must.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approaches } from '../../test/bench/approaches/index.js';
import { openBenchSql, seedFreshTickets } from '../../test/bench/bench-table.js';
import { checkpointCount } from '../../test/bench/checkpoint-count.js';
import { offlineCeilings } from '../../test/bench/offline-ceilings.js';
import { runCeiling } from '../../test/bench/run-ceiling.js';
import { runOnce, type RunSettings } from '../../test/bench/run-once.js';
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
});
