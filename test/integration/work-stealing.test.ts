// Work stealing on a skewed table (a dense half and a sparse half of the id space, one id range with
// rows 10× wider): with --concurrency 2 an idle worker splits the busy range, every row is filled exactly
// once, the ranges' rows_done add up to the backfill's work and their bounds tile the key space exactly;
// under application writers, and across kill -9 right after a split.
import { afterEach, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/index.js';
import { addColumnArgs } from '../support/add-column-args.js';
import { startWriterLoops } from '../support/concurrent-writers.js';
import { jsonLines, runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';
import { killWatchedRuns, watchCli, type Event } from '../support/watched-cli.js';

/** Ids 1..dense, then `dense` more ids 100 apart: the last id is about 100 × dense. */
interface Skewed {
  readonly table: string;
  readonly dense: number;
}
const seededRows = (s: Skewed): number => 2 * s.dense;
const lastId = (s: Skewed): string => String(s.dense * 101);

/** Seeds the table and an audit that records who filled each row's `filled` (the backfill or a writer's update). */
async function seedSkewed(db: TestDatabase, { table, dense }: Skewed): Promise<void> {
  const t = db.sql(table);
  await db.sql`create table ${t} (id bigint primary key, pad text not null, touched int not null default 0)`;
  // Stored inline and uncompressed, so the wide rows really are wider on disk.
  await db.sql`alter table ${t} alter column pad set storage plain`;
  await db.sql`
    insert into ${t} (id, pad)
    select g, repeat('x', case when g between 2001 and 3000 then 2000 else 200 end) from generate_series(1, ${dense}::int) g`;
  await db.sql`insert into ${t} (id, pad) select ${dense}::int + k * 100, repeat('y', 200) from generate_series(1, ${dense}::int) k`;
  const fills = `${table}_fills`;
  await db.sql.unsafe(`create table ${fills} (id bigint not null, by_backfill boolean not null)`);
  // Fires on the UPDATE that filled the row, and commits or rolls back with it. A writer's update
  // always bumps `touched`, a backfill batch never does. to_jsonb keeps it valid before expand.
  await db.sql.unsafe(`create function ${fills}() returns trigger language plpgsql as $$
    begin
      if to_jsonb(old) ? 'filled' and to_jsonb(old) ->> 'filled' is null and to_jsonb(new) ->> 'filled' is not null then
        insert into ${fills} values (new.id, new.touched = old.touched);
      end if;
      return null;
    end $$`);
  await db.sql.unsafe(`create trigger ${fills} after update on ${table} for each row execute function ${fills}()`);
}

interface Cursor {
  readonly range: number;
  readonly lower: string | null;
  readonly upper: string | null;
  readonly rowsDone: number;
  readonly done: boolean;
}

async function cursorsOf(db: TestDatabase, migration: string): Promise<Cursor[]> {
  return db.sql<Cursor[]>`
    select range_index as range, lower_bound ->> 0 as lower, upper_bound ->> 0 as upper, rows_done::int as "rowsDone", done
    from online_migrate.backfill_cursors where migration = ${migration} order by range_index`;
}

/** The ranges, in key order, tile (−∞, upper]: the first unbounded below, each starting where the one before ends. */
function expectTiling(cursors: readonly Cursor[], upper: string): void {
  const sorted = [...cursors].sort((a, b) => (a.lower === null ? -1 : b.lower === null ? 1 : Number(BigInt(a.lower) - BigInt(b.lower))));
  expect(sorted[0]?.lower).toBeNull();
  sorted.slice(1).forEach((c, i) => expect(c.lower).toBe(sorted[i]?.upper));
  expect(sorted.at(-1)?.upper).toBe(upper);
  for (const c of sorted) if (c.lower !== null && c.upper !== null) expect(BigInt(c.upper)).toBeGreaterThan(BigInt(c.lower));
}

/** Every row filled exactly once, each seeded one by an UPDATE; returns how many the backfill filled. */
async function expectFilledOnce(db: TestDatabase, skewed: Skewed): Promise<number> {
  const table = skewed.table;
  const [fills] = await db.sql<{ rows: number; ids: number; seeded: number; byBackfill: number }[]>`
    select count(*)::int as rows, count(distinct id)::int as ids, count(*) filter (where id <= ${lastId(skewed)}::bigint)::int as seeded,
      count(*) filter (where by_backfill)::int as "byBackfill"
    from ${db.sql(`${table}_fills`)}`;
  expect(fills?.rows).toBe(fills?.ids);
  expect(fills?.seeded).toBe(seededRows(skewed));
  const [wrong] = await db.sql<{ n: number }[]>`
    select count(*) filter (where filled is distinct from id * 2)::int as n from ${db.sql(table)}`;
  expect(wrong?.n).toBe(0);
  return fills?.byBackfill ?? 0;
}

const splits = (events: readonly Event[]): Event[] => events.filter((e) => e.type === 'range-split');

const runArgs = (table: string): string[] => [
  ...addColumnArgs({ table, column: 'filled', type: 'bigint', backfill: 'id * 2', migrationName: `steal-${table}` }),
  // Key ranges, whose skew is in the keys; test/integration/page-ranges.test.ts covers splitting page ranges.
  ...['--no-page-ranges', '--concurrency', '2', '--batch-size', '100', '--min-batch-size', '100', '--max-batch-size', '100', '--json'],
];

describe('work stealing', severalCliRuns, () => {
  const db = useTestDatabase('work_stealing');
  afterEach(() => killWatchedRuns());

  it('on a skewed table under writers: splits happen, every row is filled once, rows_done is the work, the ranges tile the keys', async () => {
    const skewed = { table: 'skewed', dense: 10_000 };
    const table = skewed.table;
    await seedSkewed(db, skewed);
    // Statistics, so that progress and the choice of the range to split follow the skew in rows.
    await db.sql`analyze ${db.sql(table)}`;
    const name = `steal-${table}`;
    const ids = (await db.sql<{ id: string }[]>`select id::text as id from ${db.sql(table)}`).map((r) => r.id);
    const writers = startWriterLoops(db.url, 2, async (sql, n, i) => {
      if (i % 2 === 0) await sql`insert into ${sql(table)} (id, pad) values (${10_000_000 + n * 1_000_000 + i}, 'writer')`;
      else await sql`update ${sql(table)} set touched = touched + 1 where id = ${ids[Math.floor(Math.random() * ids.length)] ?? '1'}`;
    });
    let report: Awaited<ReturnType<typeof writers.stop>> | undefined;
    try {
      const run = await runCli(runArgs(table), db.url);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const events = jsonLines(run.stdout);
      expect(events.find((e) => e.type === 'backfill-start')).toMatchObject({ ranges: 2, mode: 'key', resumed: false });
      const split = splits(events);
      expect(split.length).toBeGreaterThanOrEqual(1);
      for (const s of split) expect(s).toMatchObject({ migration: name, task: expect.any(String), at: [expect.any(String)] });
      // A split neither jumps the percent nor steps it back: each batch reports at least what the one before did.
      const percents = events.filter((e) => e.type === 'batch').map((e) => Number(e.percent));
      percents.slice(1).forEach((p, i) => expect(p).toBeGreaterThanOrEqual((percents[i] ?? 0) - 0.1));
      expect(events.at(-1)).toMatchObject({ migration: name, status: 'awaiting_contract' });
      await writers.waitForOperations(10);
    } finally {
      report = await writers.stop();
    }
    expect(report.errors).toEqual([]);

    // Rows the writers inserted before expand are the backfill's work too.
    const byBackfill = await expectFilledOnce(db, skewed);
    const cursors = await cursorsOf(db, name);
    expect(cursors.every((c) => c.done)).toBe(true);
    expect(cursors.length).toBeGreaterThan(2);
    expect(cursors.reduce((n, c) => n + c.rowsDone, 0)).toBe(byBackfill);
    // Writers inserted above the upper bound captured at start, which is at or after the last seeded id.
    const upper = cursors.reduce((max, c) => (c.upper !== null && BigInt(c.upper) > BigInt(max) ? c.upper : max), lastId(skewed));
    expectTiling(cursors, upper);

    // status shows every range, the new ones too.
    const status = await runCli(['status', name, '--json'], db.url);
    expect(status.code).toBe(0);
    const [shown] = (JSON.parse(status.stdout.trim()) as { migrations: MigrationReport[] }).migrations;
    expect(shown?.backfill.map((r) => r.range)).toEqual(cursors.map((c) => c.range));
    expect(shown?.tasks).toMatchObject([{ ranges: cursors.length, done: true }]);
  });

  it('kill -9 at a batch, then right after the first split of each of three resumes: every row once, rows_done equal to the work', async () => {
    const skewed = { table: 'skewed_kill', dense: 30_000 };
    const table = skewed.table;
    await seedSkewed(db, skewed);
    const name = `steal-${table}`;
    let total = 0;
    const killAfter = async (args: readonly string[], killed: (events: Event[]) => boolean): Promise<Event[]> => {
      const run = watchCli(args, db.url);
      await run.until(killed);
      run.child.kill('SIGKILL');
      await run.exited;
      expect(run.child.signalCode).toBe('SIGKILL');
      const events = run.events();
      total += splits(events).length;
      console.log(`killed after ${splits(events).length} splits, ${events.filter((e) => e.type === 'batch').length} batches`);
      // What was recorded at the kill is whole: the ranges tile the keys, however many splits committed.
      expectTiling(await cursorsOf(db, name), lastId(skewed));
      return events;
    };
    // Paced, so that the kill lands within a few batches of the event it follows, and capped in rate, so
    // that how much is left at each kill follows the rows, not the machine's speed.
    const paced = ['--pause-ms', '10', '--max-rows-per-second', '5000'];
    const first = await killAfter([...runArgs(table), ...paced], (events) => events.filter((e) => e.type === 'batch').length >= 7);
    expect(first.find((e) => e.type === 'backfill-start')).toMatchObject({ ranges: 2, resumed: false });
    // Each resume is killed right after its first split: three kills mid-stealing in all.
    for (let kill = 1; kill <= 3; kill++) {
      const events = await killAfter(['resume', name, '--json', ...paced], (e) => splits(e).length >= 1);
      expect(events.find((e) => e.type === 'backfill-start')).toMatchObject({ resumed: true });
    }

    const finished = await runCli(['resume', name, '--json'], db.url);
    expect(finished.stderr).toBe('');
    expect(finished.code).toBe(0);
    expect(jsonLines(finished.stdout).at(-1)).toMatchObject({ migration: name, status: 'awaiting_contract' });
    expect(total).toBeGreaterThanOrEqual(3);

    // No writers here: the backfill filled every seeded row, each once, and counted each once.
    expect(await expectFilledOnce(db, skewed)).toBe(seededRows(skewed));
    const cursors = await cursorsOf(db, name);
    expect(cursors.every((c) => c.done)).toBe(true);
    expect(cursors.reduce((n, c) => n + c.rowsDone, 0)).toBe(seededRows(skewed));
    expectTiling(cursors, lastId(skewed));
  });
});
