// Progress on skewed keys follows the rows, not the key's numeric span: mid-run, the percent that batch
// events and `status` report stays within a sane band of rows done ÷ rows in the table, and the total
// they project agrees with it. The run is paused (by state: once enough rows are done) to read status.
import { describe, expect, it } from 'vitest';
import { migrationStatus, parseSpec, setMigrationPaused, startMigration, type OnlineEvent } from '../../src/index.js';
import { useTestDatabase } from '../support/test-database.js';

type Batch = Extract<OnlineEvent, { type: 'batch' }>;

/** Whether `reported` (0–1) is at least half and at most double `actual`. */
const sane = (reported: number, actual: number): boolean => reported >= actual / 2 && reported <= actual * 2;

describe('progress on skewed keys', () => {
  const db = useTestDatabase('skewed_progress');

  async function pausedMidRun(table: string, rows: number): Promise<void> {
    const name = `skew-${table}`;
    const spec = parseSpec(
      { name, operations: [{ op: 'add-column', table, column: 'score', type: 'bigint', backfill: 'n * 2', nullable: true }] },
      name,
    );
    const batches: Batch[] = [];
    let pauseAsked: Promise<unknown> | undefined;
    let pausedSeen: (() => void) | undefined;
    const paused = new Promise<void>((resolve) => (pausedSeen = resolve));
    const onEvent = (event: OnlineEvent): void => {
      if (event.type === 'batch') {
        batches.push(event);
        if (pauseAsked === undefined && event.rowsDone >= rows * 0.3)
          pauseAsked = setMigrationPaused({ databaseUrl: db.url, migration: name }, true);
      }
      if (event.type === 'activity' && event.state === 'paused') pausedSeen?.();
    };
    const run = startMigration({
      databaseUrl: db.url,
      spec,
      options: { batchSize: 500, minBatchSize: 100, maxBatchSize: 1_000, concurrency: 2, maxRowsPerSecond: 6_000, probeIntervalMs: 100 },
      onEvent,
    });
    await Promise.race([paused, run]);
    await pauseAsked;

    const [report] = await migrationStatus({ databaseUrl: db.url, migration: name });
    const task = report?.tasks[0];
    expect(report?.activity?.state).toBe('paused');
    expect(task).toBeDefined();
    if (task !== undefined) {
      const actual = task.rowsDone / rows;
      expect(actual).toBeGreaterThan(0.25);
      expect(actual).toBeLessThan(1);
      expect(sane(task.percent / 100, actual), `status ${task.percent}% at ${task.rowsDone}/${rows} rows`).toBe(true);
      expect(sane(task.rowsExpected, rows), `status total ~${task.rowsExpected} for ${rows} rows`).toBe(true);
    }

    await setMigrationPaused({ databaseUrl: db.url, migration: name }, false);
    expect((await run).status).toBe('awaiting_contract');
    // Every batch past the first tenth of the rows reported a percent and a total in band.
    const midRun = batches.filter((b) => b.rowsDone >= rows * 0.1 && b.fraction < 1);
    expect(midRun.length).toBeGreaterThan(3);
    for (const b of midRun) {
      expect(sane(b.fraction, b.rowsDone / rows), `batch ${b.percent}% at ${b.rowsDone}/${rows} rows`).toBe(true);
      expect(sane(b.rowsExpected, rows), `batch total ~${b.rowsExpected} for ${rows} rows`).toBe(true);
    }
  }

  it('dense low ids with a few ids spread up to 2e15', async () => {
    const table = 'dense_then_sparse';
    await db.sql.unsafe(`create table ${table} (id bigint primary key, n bigint not null)`);
    await db.sql.unsafe(`insert into ${table} select g, g from generate_series(1, 20000) g`);
    await db.sql.unsafe(`insert into ${table} select g::bigint * 2000000000000, g from generate_series(1, 200) g`);
    await db.sql.unsafe(`analyze ${table}`);
    await pausedMidRun(table, 20_200);
  });

  it('a few sparse low ids, then dense high ids', async () => {
    const table = 'sparse_then_dense';
    await db.sql.unsafe(`create table ${table} (id bigint primary key, n bigint not null)`);
    await db.sql.unsafe(`insert into ${table} select g::bigint * 1000000000, g from generate_series(1, 200) g`);
    await db.sql.unsafe(`insert into ${table} select 1000000000000000 + g, g from generate_series(1, 20000) g`);
    await db.sql.unsafe(`analyze ${table}`);
    await pausedMidRun(table, 20_200);
  });

  it('one big tenant and a small one on a (tenant_id, id) key', async () => {
    const table = 'tenants';
    await db.sql.unsafe(
      `create table ${table} (tenant_id int not null, id bigint not null, n bigint not null, primary key (tenant_id, id))`,
    );
    await db.sql.unsafe(`insert into ${table} select 7, g, g from generate_series(1, 20000) g`);
    await db.sql.unsafe(`insert into ${table} select 8, g, g from generate_series(1, 200) g`);
    await db.sql.unsafe(`analyze ${table}`);
    await pausedMidRun(table, 20_200);
  });
});
