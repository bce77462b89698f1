import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrationStatus } from '../../src/index.js';
import { startWriters } from '../support/concurrent-writers.js';
import { jsonLines, runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { killWatchedRuns, watchCli } from '../support/watched-cli.js';
import {
  addTicketsSpecs,
  copyTicketsExample,
  ledgerSnapshot,
  ledgerStatuses,
  removeDir,
  seedExampleTickets,
} from '../support/migrate-fixtures.js';

const seeded = 20_000;
const remap = '0004-ticket-status-remap';
const fixedBatches = ['--batch-size', '200', '--min-batch-size', '200', '--max-batch-size', '200', '--pause-ms', '20'];

describe('kill -9 during online migrate, then migrate again', severalCliRuns, () => {
  const db = useTestDatabase('migrate_kill');
  let dir: string;
  beforeAll(async () => {
    dir = await copyTicketsExample((f) => f.startsWith('0001-'));
  });
  afterEach(() => killWatchedRuns());
  afterAll(async () => {
    await removeDir(dir);
  });

  it('continues at the spec it was killed in; the specs before it are not applied again', async () => {
    expect((await runCli(['migrate', dir], db.url)).code).toBe(0);
    await seedExampleTickets(db.sql, seeded);
    // Without the priority index, the third spec of the directory is the status remap: a backfill to kill.
    await addTicketsSpecs(dir, (f) => !f.startsWith('0001-') && !f.startsWith('0003-'));

    // The application only inserts, so the seeded rows keep their values and can be checked exactly.
    const writers = startWriters(db.url, { writers: 2, updates: false });
    const killed = watchCli(['migrate', dir, '--json', ...fixedBatches], db.url);
    await killed.until((events) => events.filter((e) => e.type === 'batch' && e.migration === remap).length >= 5);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(killed.child.signalCode).toBe('SIGKILL');
    const before = await ledgerSnapshot(db.sql, ['0001-create-tickets-and-users', '0002-ticket-priority']);

    const [interrupted] = await migrationStatus({ databaseUrl: db.url, migration: remap });
    expect(interrupted).toMatchObject({ state: 'interrupted', phase: 'backfill' });
    // At least what the reported batches filled: each had committed (page-range batches are whole pages, not 200 rows).
    const reported = killed
      .events()
      .filter((e) => e.type === 'batch' && e.migration === remap)
      .reduce((n, e) => n + Number(e.batchRows), 0);
    expect(reported).toBeGreaterThan(0);
    expect(interrupted?.tasks[0]?.rowsDone).toBeGreaterThanOrEqual(reported);
    expect(await ledgerStatuses(db.sql)).toEqual({
      '0001-create-tickets-and-users': 'completed',
      '0002-ticket-priority': 'completed',
      [remap]: 'running',
    });

    const again = await runCli(['migrate', dir, '--json'], db.url);
    const traffic = await writers.stop();
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(traffic.errors).toEqual([]);
    const events = jsonLines(again.stdout);
    // The killed run's lock died with its connection: nothing to wait for.
    expect(events.filter((e) => e.type === 'migrate-waiting')).toEqual([]);
    expect(events.filter((e) => e.type === 'migrate-spec').map((e) => [e.migration, e.step])).toEqual([
      [remap, 'resume'],
      ['0005-resolution-time', 'start'],
      ['0006-customer-satisfaction', 'start'],
      ['0007-ticket-assignee', 'start'],
      ['0008-ticket-assignee-index', 'start'],
      ['0009-ticket-assignee-fk', 'start'],
    ]);
    const resumedBackfill = events.find((e) => e.type === 'backfill-start' && e.migration === remap);
    expect(resumedBackfill).toMatchObject({ resumed: true });
    expect(events.at(-1)?.specs).toEqual([
      { file: '0001-create-tickets-and-users.yaml', migration: '0001-create-tickets-and-users', action: 'skipped', status: 'completed' },
      { file: '0002-ticket-priority.yaml', migration: '0002-ticket-priority', action: 'skipped', status: 'completed' },
      { file: '0004-ticket-status-remap.yaml', migration: remap, action: 'resumed', status: 'completed' },
      ...[
        '0005-resolution-time',
        '0006-customer-satisfaction',
        '0007-ticket-assignee',
        '0008-ticket-assignee-index',
        '0009-ticket-assignee-fk',
      ].map((m) => ({
        file: `${m}.yaml`,
        migration: m,
        action: 'started',
        status: 'completed',
      })),
    ]);

    // The first two: not a step, event or timestamp changed.
    expect(await ledgerSnapshot(db.sql, ['0001-create-tickets-and-users', '0002-ticket-priority'])).toEqual(before);
    // Every migration started once and completed once; the remap was resumed once.
    const kinds = await db.sql<{ migration: string; kind: string; n: number }[]>`
      select migration, kind, count(*)::int as n from online_migrate.events
      where kind in ('started', 'resumed', 'completed') group by 1, 2 order by 1, 2`;
    expect(kinds.filter((k) => k.n !== 1)).toEqual([]);
    expect(kinds.filter((k) => k.kind === 'resumed').map((k) => k.migration)).toEqual([remap]);
    expect(kinds.filter((k) => k.kind === 'started')).toHaveLength(8);

    // The remap's backfill went on from its cursor: it did not start over, and counted no row twice.
    const killedAt = killed
      .events()
      .filter((e) => e.type === 'batch' && e.migration === remap)
      .at(-1)?.rowsDone;
    expect(resumedBackfill?.rowsDone).toBeGreaterThanOrEqual(Number(killedAt));
    // In range: rows up to the upper key (key ranges), or every row (page ranges: writers' rows past
    // the pages counted at start are filled by the triggers, not counted).
    const [fill] = await db.sql<{ rowsDone: number; inRange: number }[]>`
      select sum(c.rows_done)::int as "rowsDone",
             case when bool_and(c.key_kind = 'ctid') then (select count(*)::int from tickets)
                  else (select count(*)::int from tickets where id <= max((c.upper_bound->>0)::bigint)) end as "inRange"
      from online_migrate.backfill_cursors c where c.migration = ${remap} and c.task = 'public.tickets.status_online_new'`;
    expect(fill?.rowsDone).toBeGreaterThanOrEqual(seeded);
    expect(fill?.rowsDone).toBeLessThanOrEqual(fill?.inRange ?? 0);
    // The seeded rows: every status mapped, every priority and resolution time right.
    const [wrong] = await db.sql<{ status: number; priority: number; resolution: number }[]>`
      select count(*) filter (where status <> (array['OPEN','IN_PROGRESS','WAITING_ON_CUSTOMER','RESOLVED','CLOSED'])[1 + id % 5])::int as status,
             count(*) filter (where priority <> case when escalated then 'high' when status in ('RESOLVED', 'CLOSED') then 'low' else 'normal' end)::int as priority,
             count(*) filter (where resolution_time_seconds is distinct from extract(epoch from (resolved_at - created_at))::integer)::int as resolution
      from tickets where id <= ${seeded}`;
    expect(wrong).toEqual({ status: 0, priority: 0, resolution: 0 });
  });
});
