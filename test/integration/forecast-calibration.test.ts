// The backfill calibration's samples are independent: each sample key range is rolled back before the
// next, so ranges that overlap do not see an earlier sample's writes (rows it already fixed would count
// as needing no work), and no sample's row locks outlive it.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlanForecast } from '../../src/forecast/plan-forecast.js';
import { runCli } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';

const rows = 20_000;

describe('the backfill calibration', () => {
  const db = useTestDatabase('forecast_calibration');
  beforeAll(async () => {
    await db.sql`create table notes (id bigint primary key, title text not null)`;
    await db.sql`insert into notes select g, 't' || g from generate_series(1, ${rows}) g`;
    await db.sql`vacuum analyze notes`;
  });

  it('counts every row as needing work when every row does, though its sample ranges overlap', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'online-calibration-'));
    const file = join(dir, 'upper.json');
    const spec = {
      name: 'upper-titles',
      operations: [{ op: 'backfill', table: 'notes', set: { title: 'upper(title)' }, where: 'title <> upper(title)' }],
    };
    await writeFile(file, JSON.stringify(spec));
    // The samples' ranges overlap on this table: two of the three start on rows the first one covers.
    const ranges = await db.sql<{ overlapping: number }[]>`
      with starts as (
        select (select id from notes tablesample system (10) repeatable (s) limit 1) as low from unnest(array[11, 47, 83]) s),
      covered as (select n.id from starts, lateral (select id from notes where id >= low order by id limit 200) n)
      select (count(*) - count(distinct id))::int as overlapping from covered`;
    expect(ranges[0]?.overlapping).toBeGreaterThan(0);

    const json = await runCli(['plan', file, '--json'], db.url);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const { forecast } = JSON.parse(json.stdout) as { forecast: PlanForecast };
    const [task] = forecast.backfill;
    expect(task?.calibrated).toBe(true);
    // Its row estimate follows the statistics (which may still be catching up on the inserts): all of it needs work.
    expect(task?.rowsNeedingWork).toBe(task?.rows);
    const [left] = await db.sql<{ n: number }[]>`select count(*)::int as n from notes where title <> 't' || id`;
    expect(left?.n).toBe(0);
  });

  it('on a read-only session (a standby), forecasts the backfill uncalibrated instead of dropping the forecast', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'online-calibration-'));
    const file = join(dir, 'upper.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'upper-titles',
        operations: [{ op: 'backfill', table: 'notes', set: { title: 'upper(title)' }, where: 'title <> upper(title)' }],
      }),
    );
    // postgres.js sends a URL's other parameters to the server as settings of the session.
    const url = new URL(db.url);
    url.searchParams.set('default_transaction_read_only', 'on');
    const json = await runCli(['plan', file, '--json'], url.toString());
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const { forecast } = JSON.parse(json.stdout) as { forecast?: PlanForecast };
    expect(forecast?.backfill[0]).toMatchObject({ calibrated: false });
    expect(forecast?.backfill[0]?.estimate.method).toMatch(/^not calibrated \(the session is read-only/);
  });
});
