// A run started by a newer online, read by this one: a stored plan in a format this build does not
// know is refused (exit 2) before anything is touched, so an older binary never runs a plan it misreads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFormatVersion } from '../../src/plan/plan-format.js';
import { readDatabaseState } from '../support/database-state.js';
import { runCli } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('plan format', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('plan_format');
  });
  afterAll(async () => {
    await db.drop();
  });

  const ledgerRows = async (): Promise<unknown[]> => [
    ...(await db.sql`select name, status, phase, plan, options, error, updated_at from online_migrate.migrations order by name`),
    ...(await db.sql`select migration, phase, step_index from online_migrate.steps order by 1, 2, 3`),
    ...(await db.sql`select id, migration, kind from online_migrate.events order by id`),
  ];

  it('resume refuses a plan a newer online stored, with nothing changed', async () => {
    await db.sql.unsafe(`
      create table tickets (id int primary key, title text);
      insert into tickets select g, 't' || g from generate_series(1, 40) g;`);
    const started = await runCli(
      ['start', 'add-column', '--table', 'tickets', '--column', 'priority', '--type', 'text', '--migration-name', 'newer'],
      db.url,
    );
    expect(started.code).toBe(0);
    const [stored] = await db.sql<{ version: number }[]>`select (plan->>'formatVersion')::int as version from online_migrate.migrations`;
    expect(stored?.version).toBe(planFormatVersion);
    // As a newer online would leave it: stopped in backfill, its plan in a format from the future.
    await db.sql`
      update online_migrate.migrations
      set status = 'stopped', phase = 'backfill', plan = jsonb_set(plan, '{formatVersion}', to_jsonb(${planFormatVersion + 1}::int))`;

    const before = await readDatabaseState(db.url);
    const ledgerBefore = await ledgerRows();
    const resumed = await runCli(['resume', 'newer'], db.url);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain(
      `migration "newer" was planned in plan format ${planFormatVersion + 1}, which this online does not know (it reads formats up to ${planFormatVersion})`,
    );
    expect(await readDatabaseState(db.url)).toEqual(before);
    expect(await ledgerRows()).toEqual(ledgerBefore);
  });

  it('reads a plan stored before the format was versioned as format 1', async () => {
    await db.sql`update online_migrate.migrations set plan = plan - 'formatVersion'`;
    const resumed = await runCli(['resume', 'newer'], db.url);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const [row] = await db.sql<{ status: string }[]>`select status from online_migrate.migrations where name = 'newer'`;
    expect(row?.status).toBe('awaiting_contract');
  });
});
