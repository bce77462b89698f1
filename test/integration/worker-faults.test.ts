// The backfill's workers against faults of the server and of each other: a server with fewer free
// connections than the workers asked for runs fewer workers and finishes, and a range that fails while
// another worker is held (paused) ends the run at once with that failure, not when the hold ends.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { killWatchedRuns, patienceMs, sleep, watchCli, type Event } from '../support/watched-cli.js';

const warnings = (events: readonly Event[]): string[] =>
  events.flatMap((e) => (e.type === 'warning' && typeof e.message === 'string' ? [e.message] : []));

describe('backfill workers under faults', severalCliRuns, () => {
  const role = `capped_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(8).toString('hex');
  // Declared before the database, so it runs after the database (which the role owns objects in) is dropped.
  afterAll(async () => {
    const admin = postgres(inject('pgAdminUrl'), { max: 1, onnotice: () => undefined });
    await admin.unsafe(`drop role if exists ${role}`).finally(() => admin.end());
  });
  const db = useTestDatabase('worker_faults');
  afterEach(() => killWatchedRuns());

  it("runs fewer workers than asked when the role's CONNECTION LIMIT leaves no room, says so, and fills every row", async () => {
    const name = new URL(db.url).pathname.slice(1);
    await db.sql.unsafe(`
      create role ${role} login password '${password}' connection limit 5;
      grant create on database "${name}" to ${role};
      grant create on schema public to ${role};
      create table public.capped (id bigint primary key, v int not null);
      insert into public.capped select g, g from generate_series(1, 20000) g;
      alter table public.capped owner to ${role};`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    const run = await runCli(
      [
        'start',
        'add-column',
        '--table',
        'capped',
        '--column',
        'w',
        '--type',
        'int',
        '--backfill',
        'v * 2',
        '--concurrency',
        '6',
        '--batch-size',
        '500',
        '--max-batch-size',
        '500',
        '--state-schema',
        `online_${role}`,
        '--json',
      ],
      url.toString(),
    );
    expect(run.code, run.stdout.slice(-600) + run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Event);
    expect(
      warnings(events).some((w) => /^running [1-4] of the 6 workers wanted: the server has room for \d+ more connections?/.test(w)),
    ).toBe(true);
    const [row] = await db.sql<{ missing: string; wrong: string }[]>`
      select count(*) filter (where w is null) as missing, count(*) filter (where w <> v * 2) as wrong from public.capped`;
    expect(row).toEqual({ missing: '0', wrong: '0' });
  });

  it('a range that fails while the other is paused ends the run with its error (exit 1) without waiting for unpause', async () => {
    await db.sql.unsafe(`
      create table public.failing (id bigint primary key, v int not null);
      insert into public.failing select g, g from generate_series(1, 10000) g;
      create function public.gated(id bigint, v int) returns int language plpgsql as $$
      begin
        if id = 5001 then
          perform pg_advisory_xact_lock_shared(4242);
          raise exception 'boom at %', id;
        end if;
        return v * 2;
      end $$;`);
    const gate = await db.sql.reserve();
    try {
      // The second range (ids 5001…10000) blocks in its first batch until the gate opens, then fails.
      // The first crawls at 100 rows/s (50 s for its 5,000 rows), so it is still running when the pause comes.
      await gate`select pg_advisory_lock(4242)`;
      const run = watchCli(
        [
          'start',
          'add-column',
          '--table',
          'failing',
          '--column',
          'w',
          '--type',
          'int',
          '--backfill',
          'public.gated(id, v)',
          '--concurrency',
          '2',
          '--batch-size',
          '100',
          '--max-batch-size',
          '100',
          '--lock-timeout',
          '10m',
          '--statement-timeout',
          '10m',
          '--max-rows-per-second',
          '100',
          '--json',
        ],
        db.url,
      );
      await run.until((events) => events.some((e) => e.type === 'batch' && e.range === 0));
      const paused = await runCli(['pause', 'add-column-failing-w'], db.url);
      expect(paused.code, paused.stderr).toBe(0);
      // The first range's worker now waits in the governor, paused.
      await run.until((events) => events.some((e) => e.type === 'activity' && e.state === 'paused'));
      await gate`select pg_advisory_unlock(4242)`;
      const ended = await Promise.race([run.exited, sleep(patienceMs).then(() => 'still paused' as const)]);
      expect(ended).toEqual({ code: 1 });
      expect(run.events().find((e) => 'error' in e)?.error).toMatchObject({ message: expect.stringContaining('boom at 5001') });
    } finally {
      gate.release();
    }
  });
});
