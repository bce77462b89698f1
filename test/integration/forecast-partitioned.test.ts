// The forecast's table figures for a partitioned table are its partitions': the parent holds no rows
// of its own (pg_relation_size 0, relpages 0), but a VALIDATE or an index build on it reads every leaf.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlanForecast } from '../../src/forecast/plan-forecast.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';

const rows = 10_000;

describe('the forecast of a partitioned table', () => {
  const db = useTestDatabase('forecast_partitioned');
  beforeAll(async () => {
    await db.sql`create table parted (id bigint, k int, v text, primary key (id, k)) partition by list (k)`;
    await db.sql`create table parted_1 partition of parted for values in (1)`;
    await db.sql`create table parted_2 partition of parted for values in (2)`;
    await db.sql`insert into parted select g, 1 + g % 2, 'v' || g from generate_series(1, ${rows}) g`;
    await db.sql`vacuum analyze parted_1, parted_2`;
  });

  it('scans the rows and bytes of its leaves, not the empty parent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'online-forecast-parted-'));
    const file = join(dir, 'check.json');
    await writeFile(
      file,
      JSON.stringify({ name: 'check-v', operations: [{ op: 'add-check', table: 'parted', name: 'v_set', check: 'v is not null' }] }),
    );
    const json = await runCli(['plan', file, '--json'], db.url);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const { forecast } = JSON.parse(json.stdout) as { forecast: PlanForecast };
    const [leaves] = await db.sql<{ bytes: number }[]>`
      select (pg_relation_size('parted_1') + pg_relation_size('parted_2'))::float8 as bytes`;
    const scanned = [...forecast.expand, ...forecast.contract].flatMap((s) => s.scans.tables).filter((t) => t.relation === 'public.parted');
    expect(scanned.length).toBeGreaterThan(0);
    for (const table of scanned) {
      expect(table).toMatchObject({ rows, tableBytes: leaves?.bytes });
      expect(table.pages).toBeGreaterThan(0);
    }
  });
});
