// Page ranges on a table that has a key (--page-ranges): a backfill whose triggers fill every row writers
// write pages by ctid (TID range scans) instead of the key. Under writers that move rows (updates, inserts, and
// transactions over two tables in either order), killed -9 and resumed, every row is filled exactly
// once and rows_done is the work; a rewrite of the table mid-run (VACUUM FULL) is noticed by the next
// batch, which changes nothing, and the pages of the new file are gone through again; and a backfill
// without fill triggers, a table with inheritance children, or no --page-ranges, pages by the key.
import { afterEach, describe, expect, it } from 'vitest';
import { addColumnArgs } from '../support/add-column-args.js';
import { startWriterLoops } from '../support/concurrent-writers.js';
import { jsonLines, runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase, type TestDatabase } from '../support/test-database.js';
import { killWatchedRuns, watchCli, type Event, type WatchedRun } from '../support/watched-cli.js';

/** Seeds `table` (ids 1..rows) and an audit of who filled each row's `filled`: a backfill batch or a writer's update. */
async function seedAudited(db: TestDatabase, table: string, rows: number): Promise<void> {
  await db.sql.unsafe(`create table ${table} (id bigint primary key, pad text not null, touched int not null default 0)`);
  await db.sql.unsafe(`insert into ${table} (id, pad) select g, repeat('x', 100) from generate_series(1, ${rows}) g`);
  await db.sql.unsafe(`create table ${table}_fills (id bigint not null, by_backfill boolean not null)`);
  // Fires on the UPDATE that filled the row, and commits or rolls back with it. A writer's update always
  // bumps `touched`, a batch never does. to_jsonb keeps it valid before expand adds the column.
  await db.sql.unsafe(`create function ${table}_fills() returns trigger language plpgsql as $$
    begin
      if to_jsonb(old) ? 'filled' and to_jsonb(old) ->> 'filled' is null and to_jsonb(new) ->> 'filled' is not null then
        insert into ${table}_fills values (new.id, new.touched = old.touched);
      end if;
      return null;
    end $$`);
  await db.sql.unsafe(`create trigger ${table}_fills after update on ${table} for each row execute function ${table}_fills()`);
  await db.sql.unsafe(`analyze ${table}`);
}

/** Every row right and filled at most once; returns how many seeded rows the backfill filled. */
async function expectFilledOnce(db: TestDatabase, table: string): Promise<number> {
  const [fills] = await db.sql<{ rows: number; ids: number; byBackfill: number }[]>`
    select count(*)::int as rows, count(distinct id)::int as ids, count(*) filter (where by_backfill)::int as "byBackfill"
    from ${db.sql(`${table}_fills`)}`;
  expect(fills?.rows).toBe(fills?.ids);
  const [wrong] = await db.sql<
    { n: number }[]
  >`select count(*) filter (where filled is distinct from id * 2)::int as n from ${db.sql(table)}`;
  expect(wrong?.n).toBe(0);
  return fills?.byBackfill ?? 0;
}

interface PageCursor {
  readonly kind: string;
  readonly rowsDone: number;
  readonly done: boolean;
  readonly sameFile: boolean;
}

async function cursorsOf(db: TestDatabase, migration: string, table: string): Promise<PageCursor[]> {
  return db.sql<PageCursor[]>`
    select key_kind as kind, rows_done::int as "rowsDone", done, relation_file = pg_relation_filenode(${table}::regclass) as "sameFile"
    from online_migrate.backfill_cursors where migration = ${migration} order by range_index`;
}

/** `start add-column … --page-ranges` filling `filled` with `id * 2`, with fixed 200-row batches and `extra` flags. */
const pagedFill = (table: string, migrationName: string, ...extra: string[]): string[] => [
  ...addColumnArgs({ table, column: 'filled', type: 'bigint', backfill: 'id * 2', migrationName }),
  ...['--page-ranges', '--batch-size', '200', '--min-batch-size', '200', '--max-batch-size', '200', ...extra, '--json'],
];

const starts = (events: readonly Event[]): Event[] => events.filter((e) => e.type === 'backfill-start');
const batches = (events: readonly Event[]): number => events.filter((e) => e.type === 'batch').length;

/** Runs `args` and kills it with -9 once `count` batches are reported; the killed run's events stay readable. */
async function killedAfterBatches(url: string, args: readonly string[], count: number): Promise<WatchedRun> {
  const run = watchCli(args, url);
  await run.until((events) => batches(events) >= count);
  run.child.kill('SIGKILL');
  await run.exited;
  return run;
}

describe('page ranges on a table with a key', severalCliRuns, () => {
  const db = useTestDatabase('page_ranges');
  afterEach(() => killWatchedRuns());

  it('add-column pages by ctid under writers that move rows, across kill -9 and resume: every row once, rows_done the work', async () => {
    const table = 'paged';
    await seedAudited(db, table, 20_000);
    await db.sql`create table paged_other (id int primary key, n int not null default 0)`;
    await db.sql`insert into paged_other (id) select g from generate_series(1, 50) g`;
    const name = 'paged-add';
    const args = [
      ...addColumnArgs({ table, column: 'filled', type: 'bigint', backfill: 'id * 2', migrationName: name }),
      '--page-ranges',
      ...['--concurrency', '2', '--batch-size', '300', '--min-batch-size', '300', '--max-batch-size', '300', '--pause-ms', '5', '--json'],
    ];
    const randomId = (): number => 1 + Math.floor(Math.random() * 20_000);
    // Updates move rows to other pages (the table is full); transactions touch both tables in either order.
    const writers = startWriterLoops(db.url, 3, async (sql, n, i) => {
      if (n === 0) {
        if (i % 3 === 0) return sql`insert into paged (id, pad) values (${1_000_000 + i}, 'writer')`;
        return sql`update paged set touched = touched + 1, pad = pad || 'y' where id = ${randomId()}`;
      }
      return sql.begin(async (tx) => {
        const other = 1 + (i % 50);
        if (n === 1) {
          await tx`update paged set touched = touched + 1 where id = ${randomId()}`;
          await tx`update paged_other set n = n + 1 where id = ${other}`;
        } else {
          await tx`update paged_other set n = n + 1 where id = ${other}`;
          await tx`update paged set touched = touched + 1 where id = ${randomId()}`;
        }
      });
    });
    let report: Awaited<ReturnType<typeof writers.stop>> | undefined;
    try {
      const first = await killedAfterBatches(db.url, args, 10);
      expect(starts(first.events())).toMatchObject([{ mode: 'ctid', ranges: 2, resumed: false }]);
      const resumed = await runCli(['resume', name, '--json'], db.url);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      const events = jsonLines(resumed.stdout);
      expect(starts(events)).toMatchObject([{ mode: 'ctid', resumed: true }]);
      expect(events.at(-1)).toMatchObject({ migration: name, status: 'awaiting_contract' });
      await writers.waitForOperations(20);
    } finally {
      report = await writers.stop();
    }
    expect(report.errors).toEqual([]);
    const byBackfill = await expectFilledOnce(db, table);
    const cursors = await cursorsOf(db, name, table);
    expect(cursors.every((c) => c.kind === 'ctid' && c.done && c.sameFile)).toBe(true);
    expect(cursors.reduce((n, c) => n + c.rowsDone, 0)).toBe(byBackfill);
    // complete's own check finds nothing left, and the contract runs.
    const complete = await runCli(['complete', name, '--json'], db.url);
    expect(complete.stderr).toBe('');
    expect(complete.code).toBe(0);
  });

  it('a VACUUM FULL mid-run: the next batch changes nothing, the new file is paged from its start, every row once', async () => {
    const table = 'rewritten';
    await seedAudited(db, table, 20_000);
    const name = 'paged-rewrite';
    // Paced, so that the rewrite lands with most of the table still to do.
    const run = watchCli(pagedFill(table, name, '--max-rows-per-second', '4000'), db.url);
    await run.until((events) => batches(events) >= 5);
    await db.sql.unsafe(`vacuum full ${table}`);
    const { code } = await run.exited;
    expect(run.stderr()).toBe('');
    expect(code).toBe(0);
    const events = run.events();
    const warning = events.find((e) => e.type === 'warning' && String(e.message).includes('was rewritten'));
    expect(warning).toMatchObject({
      message: `public.${table} was rewritten during the backfill of public.${table}.filled: paging its new file from the start`,
    });
    expect(starts(events)).toMatchObject([
      { mode: 'ctid', resumed: false },
      { mode: 'ctid', resumed: false },
    ]);
    expect(events.at(-1)).toMatchObject({ migration: name, status: 'awaiting_contract' });
    const byBackfill = await expectFilledOnce(db, table);
    expect(byBackfill).toBe(20_000);
    const cursors = await cursorsOf(db, name, table);
    expect(cursors.every((c) => c.done && c.sameFile)).toBe(true);
  });

  it('a rewrite while no run is alive: resume notices it at its first batch and pages the new file', async () => {
    const table = 'rewritten_dead';
    await seedAudited(db, table, 10_000);
    const name = 'paged-rewrite-dead';
    await killedAfterBatches(db.url, pagedFill(table, name, '--max-rows-per-second', '4000'), 5);
    await db.sql.unsafe(`vacuum full ${table}`);
    const resumed = await runCli(['resume', name, '--json', '--max-rows-per-second', '0'], db.url);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const events = jsonLines(resumed.stdout);
    expect(events.some((e) => e.type === 'warning' && String(e.message).includes('was rewritten'))).toBe(true);
    expect(starts(events)).toMatchObject([{ resumed: true }, { resumed: false }]);
    expect(await expectFilledOnce(db, table)).toBe(10_000);
  });

  it('a second worker on resume splits the page range at its middle page; the ranges tile the pages, every row once', async () => {
    const table = 'split_pages';
    await seedAudited(db, table, 20_000);
    const name = 'paged-split';
    const first = await killedAfterBatches(db.url, pagedFill(table, name, '--pause-ms', '20'), 3);
    expect(starts(first.events())).toMatchObject([{ mode: 'ctid', ranges: 1 }]);
    const resumed = await runCli(['resume', name, '--concurrency', '2', '--json'], db.url);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const split = jsonLines(resumed.stdout).find((e) => e.type === 'range-split');
    expect(split).toMatchObject({ range: 0, newRange: 1, at: [expect.stringMatching(/^\d+$/)] });
    const bounds = await db.sql<{ lower: string; upper: string; rowsDone: number; done: boolean }[]>`
      select lower_bound ->> 0 as lower, upper_bound ->> 0 as upper, rows_done::int as "rowsDone", done
      from online_migrate.backfill_cursors where migration = ${name} order by (lower_bound ->> 0)::bigint`;
    const [pages] = await db.sql<
      { n: string }[]
    >`select (pg_relation_size(${table}::regclass) / current_setting('block_size')::int)::text as n`;
    expect(bounds.map((b) => [b.lower, b.upper])).toEqual([
      ['0', bounds[0]?.upper],
      [bounds[0]?.upper, bounds[1]?.upper],
    ]);
    expect(Number(bounds[1]?.upper)).toBeLessThanOrEqual(Number(pages?.n));
    expect(bounds.every((b) => b.done)).toBe(true);
    expect(bounds.reduce((n, b) => n + b.rowsDone, 0)).toBe(20_000);
    expect(await expectFilledOnce(db, table)).toBe(20_000);
  });

  it('ranges recorded without their relation file (an older online) start again over the file as it is, after a rewrite too', async () => {
    const table = 'adopted';
    await seedAudited(db, table, 10_000);
    const name = 'paged-adopted';
    await killedAfterBatches(db.url, pagedFill(table, name, '--pause-ms', '20'), 5);
    await db.sql`update online_migrate.backfill_cursors set relation_file = null where migration = ${name}`;
    // Rows behind the cursor go, so the rewrite moves rows still to do into pages the cursor has passed.
    await db.sql.unsafe(`delete from ${table} where id <= 3000`);
    await db.sql.unsafe(`vacuum full ${table}`);
    const resumed = await runCli(['resume', name, '--json'], db.url);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(starts(jsonLines(resumed.stdout))).toMatchObject([{ mode: 'ctid', resumed: false }]);
    await expectFilledOnce(db, table);
    const cursors = await cursorsOf(db, name, table);
    expect(cursors.every((c) => c.done && c.sameFile)).toBe(true);
  });

  it('pages by the key by default, without fill triggers (a volatile default), and on a table with inheritance children', async () => {
    for (const table of ['keyed', 'keyed_default', 'inherited']) {
      await db.sql`create table ${db.sql(table)} (id bigint primary key, n int not null default 0)`;
      await db.sql`insert into ${db.sql(table)} (id) select g from generate_series(1, 2000) g`;
    }
    // The parent's pages hold 2,000 rows; the child's 5,000 more, which an UPDATE of the parent reaches.
    await db.sql`create table inherited_child () inherits (inherited)`;
    await db.sql`insert into inherited_child (id) select g from generate_series(100001, 105000) g`;
    const volatile = await runCli(
      [
        'start',
        'add-column',
        '--table',
        'keyed',
        '--column',
        'token',
        '--type',
        'uuid',
        '--default',
        'gen_random_uuid()',
        '--page-ranges',
        '--json',
      ],
      db.url,
    );
    expect(volatile.code).toBe(0);
    expect(starts(jsonLines(volatile.stdout))).toMatchObject([{ mode: 'key' }]);
    const byDefault = await runCli(
      [...addColumnArgs({ table: 'keyed_default', column: 'doubled', type: 'bigint', backfill: 'id * 2' }), '--json'],
      db.url,
    );
    expect(byDefault.code).toBe(0);
    expect(starts(jsonLines(byDefault.stdout))).toMatchObject([{ mode: 'key' }]);
    const inherited = await runCli(
      [...addColumnArgs({ table: 'inherited', column: 'doubled', type: 'bigint', backfill: 'id * 2' }), '--page-ranges', '--json'],
      db.url,
    );
    expect(inherited.code).toBe(0);
    expect(starts(jsonLines(inherited.stdout))).toMatchObject([{ mode: 'key' }]);
    const [wrong] = await db.sql<{ n: number }[]>`
      select (select count(*) from keyed where token is null)::int
        + (select count(*) from keyed_default where doubled is distinct from id * 2)::int
        + (select count(*) from inherited where doubled is distinct from id * 2)::int as n`;
    expect(wrong?.n).toBe(0);
  });
});
