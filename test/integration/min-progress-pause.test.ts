// --min-progress and the user's own holds: a pause is the user's choice, not starvation, so a run
// that was below the floor when it was paused is no longer reported below it while paused.
import { afterEach, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/index.js';
import { addColumnArgs } from '../support/add-column-args.js';
import { runCli, severalCliRuns } from '../support/run-cli.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';
import { eventually, killWatchedRuns, watchCli } from '../support/watched-cli.js';

describe('--min-progress while paused', severalCliRuns, () => {
  const db = useTestDatabase('min_progress_pause');
  afterEach(() => {
    killWatchedRuns();
  });

  async function activity(name: string): Promise<MigrationReport['activity']> {
    const json = await runCli(['status', name, '--json'], db.url);
    expect(json.code).toBe(0);
    const [report] = (JSON.parse(json.stdout.trim()) as { migrations: MigrationReport[] }).migrations;
    return report?.activity ?? null;
  }

  it('is not reported below the floor once paused, and finishes after unpause', async () => {
    const table = 'tickets_floor_pause';
    const name = `add-column-${table}-priority`;
    await createTickets(db.sql, 500, table);
    await db.sql`create table floor_gate (hold boolean not null)`;
    await db.sql`insert into floor_gate values (true)`;
    const run = watchCli(
      [
        ...addColumnArgs({ table, column: 'priority', type: 'text', backfill: priorityExpression, notNull: true }),
        '--throttle-query',
        'select hold from floor_gate',
        '--probe-interval',
        '200ms',
        '--min-progress-window',
        '1s',
        '--min-progress',
        '720000',
        '--json',
      ],
      db.url,
    );
    await run.until((events) => events.some((e) => e.type === 'min-progress'));
    expect(await activity(name)).toMatchObject({ state: 'throttled', belowMinProgress: { action: 'warn' } });

    expect((await runCli(['pause', name], db.url)).code).toBe(0);
    const paused = await eventually(
      () => activity(name),
      (a) => a?.state === 'paused',
    );
    expect(paused).not.toHaveProperty('belowMinProgress');

    await db.sql`update floor_gate set hold = false`;
    expect((await runCli(['unpause', name], db.url)).code).toBe(0);
    const { code } = await run.exited;
    expect(code).toBe(0);
  });
});
