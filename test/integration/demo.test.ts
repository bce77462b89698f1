// `online demo` end to end on a real database: live writers, a real migration, every row checked.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run-demo.js';
import type { OnlineEvent } from '../../src/events.js';
import { useTestDatabase } from '../support/test-database.js';

describe('online demo', () => {
  const db = useTestDatabase('demo');

  it('adds a NOT NULL derived column under live writers with no error and no stale row', async () => {
    const events: OnlineEvent[] = [];
    const stages: string[] = [];
    const summary = await runDemo({
      databaseUrl: db.url,
      rows: 20_000,
      writers: 3,
      baselineMs: 1_000,
      onEvent: (event) => events.push(event),
      onStage: (message) => stages.push(message),
    });

    expect(summary.ok).toBe(true);
    expect(summary.migration.status).toBe('completed');
    expect(summary.traffic.before.ops).toBeGreaterThan(0);
    expect(summary.traffic.during.ops).toBeGreaterThan(0);
    expect(summary.traffic.errors).toBe(0);
    expect(summary.checks.inconsistentRows).toBe(0);
    expect(summary.checks.rowsAfter).toBeGreaterThan(20_000);
    expect(summary.migration.backfillRows).toBeGreaterThan(0);
    expect(summary.migration.backfillRowsPerSecond).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'backfill-done')).toBe(true);
    expect(stages[0]).toMatch(/^seeding 20,000 tickets/);

    // Checked again here, straight from the catalog and the table rather than from the summary.
    const [column] = await db.sql<{ attnotnull: boolean }[]>`
      select attnotnull from pg_attribute where attrelid = 'tickets'::regclass and attname = 'priority'`;
    expect(column?.attnotnull).toBe(true);
    const [stale] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from tickets
      where priority is distinct from (case when escalated then 'high' when status in ('resolved', 'closed') then 'low' else 'normal' end)`;
    expect(stale?.n).toBe(0);
    const triggers = await db.sql`select tgname from pg_trigger where tgrelid = 'tickets'::regclass and not tgisinternal`;
    expect(triggers).toHaveLength(0);
    const apps = await db.sql`select pid from pg_stat_activity where application_name = 'online-demo-app'`;
    expect(apps).toHaveLength(0);
  });
});
