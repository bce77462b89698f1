import { mkdtemp, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWriters } from '../support/concurrent-writers.js';
import { addTicketsSpecs, copyTicketsExample, removeDir, seedExampleTickets } from '../support/migrate-fixtures.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { killWatchedRuns, watchCli, type Event } from '../support/watched-cli.js';

const fixedBatches = ['--batch-size', '200', '--min-batch-size', '200', '--max-batch-size', '200', '--pause-ms', '20'];
const notesSpecs: Readonly<Record<string, string>> = {
  '0100-create-notes.yaml':
    'operations:\n  - op: create-table\n    table: notes\n    columns:\n      - { name: id, type: bigint, identity: always }\n      - { name: body, type: text, nullable: false }\n    primaryKey: [id]\n',
  '0101-notes-body-index.yaml': 'operations:\n  - op: create-index\n    table: notes\n    columns: [body]\n',
};

const specSteps = (events: Event[]): unknown[] => events.filter((e) => e.type === 'migrate-spec').map((e) => e.migration);

describe('two online migrate runs at once', severalCliRuns, () => {
  const db = useTestDatabase('migrate_concurrency');
  let tickets: string;
  let notes: string;
  beforeAll(async () => {
    tickets = await copyTicketsExample((f) => f.startsWith('0001-'));
    notes = await mkdtemp(join(tmpdir(), 'online-migrate-notes-'));
    for (const [file, text] of Object.entries(notesSpecs)) await writeFile(join(notes, file), text);
  });
  afterEach(() => killWatchedRuns());
  afterAll(async () => {
    await Promise.all([removeDir(tickets), removeDir(notes)]);
  });

  it('never interleave: later runs wait for the first (naming it) or, with --no-wait, refuse', async () => {
    expect((await runCli(['migrate', tickets], db.url)).code).toBe(0);
    await seedExampleTickets(db.sql, 10_000);
    await addTicketsSpecs(tickets, () => true);
    const writers = startWriters(db.url, { writers: 2 });
    // The first run's throttle query is a gate the test closes once its backfills have begun: held at a
    // batch boundary, it is surely still running while the other runs (seconds to start on a busy
    // machine) arrive, wait and give up.
    await db.sql`create table migrate_gate (hold boolean not null)`;
    await db.sql`insert into migrate_gate values (false)`;
    const gated = ['--throttle-query', 'select hold from migrate_gate', '--probe-interval', '300ms'];
    const first = watchCli(['migrate', tickets, '--json', ...fixedBatches, ...gated], db.url);
    await first.until((events) => events.some((e) => e.type === 'batch'));
    await db.sql`update migrate_gate set hold = true`;
    await first.until((events) => events.some((e) => e.type === 'activity' && e.state === 'throttled'));
    const holder = { pid: first.child.pid, host: hostname() };
    // The same directory from a second deploy, and another directory on other tables: per-migration
    // leases would let the second one run alongside, the migrate lock does not.
    const sameDir = watchCli(['migrate', tickets, '--json'], db.url);
    const otherDir = watchCli(['migrate', notes, '--json'], db.url);
    for (const run of [sameDir, otherDir]) await run.until((events) => events.some((e) => e.type === 'migrate-waiting'));
    for (const run of [sameDir, otherDir]) expect(run.events().find((e) => e.type === 'migrate-waiting')).toMatchObject({ holder });
    const announced = await db.sql<
      { name: string }[]
    >`select application_name as name from pg_stat_activity where application_name like 'online migrate %'`;
    expect(announced.map((a) => a.name)).toContain(`online migrate ${holder.pid}@${holder.host}`.slice(0, 63));

    const refused = await runCli(['migrate', notes, '--no-wait'], db.url);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `another online migrate (pid ${holder.pid}, host ${holder.host}) is running on this database; nothing was changed`,
    );
    expect((await db.sql`select to_regclass('public.notes') as t`)[0]?.t).toBeNull();

    // A stop request while waiting gives up at once, with nothing changed.
    const givenUp = watchCli(['migrate', notes, '--json'], db.url);
    await givenUp.until((events) => events.some((e) => e.type === 'migrate-waiting'));
    givenUp.child.kill('SIGTERM');
    expect((await givenUp.exited).code).toBe(3);
    expect(givenUp.events().at(-1)).toMatchObject({
      error: { code: 'STOPPED', message: 'online migrate stopped while waiting for another online migrate; nothing was changed' },
    });

    await db.sql`update migrate_gate set hold = false`;
    const exits = await Promise.all([first, sameDir, otherDir].map((run) => run.exited));
    const traffic = await writers.stop();
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
    expect([first, sameDir, otherDir].map((run) => run.stderr())).toEqual(['', '', '']);
    expect(traffic.errors).toEqual([]);

    expect(specSteps(first.events())).toHaveLength(8);
    // The second deploy found the first one's work done.
    expect(specSteps(sameDir.events())).toEqual([]);
    expect(sameDir.events().at(-1)).toMatchObject({ nothingToDo: true });
    expect(specSteps(otherDir.events())).toEqual(['0100-create-notes', '0101-notes-body-index']);
    for (const run of [sameDir, otherDir]) expect(run.events().some((e) => e.type === 'migrate-locked')).toBe(true);
    // From the ledger: every event of the first run precedes every event of the other directory's run.
    const [spans] = await db.sql<{ firstLast: number; otherFirst: number; firstDone: Date; otherStarted: Date }[]>`
      select max(id) filter (where migration not like '01%')::int as "firstLast", min(id) filter (where migration like '01%')::int as "otherFirst",
             (select max(completed_at) from online_migrate.migrations where name not like '01%') as "firstDone",
             (select min(created_at) from online_migrate.migrations where name like '01%') as "otherStarted"
      from online_migrate.events`;
    expect(spans?.firstLast).toBeLessThan(spans?.otherFirst ?? 0);
    expect(spans?.firstDone.getTime()).toBeLessThan(spans?.otherStarted.getTime() ?? 0);
  });
});
