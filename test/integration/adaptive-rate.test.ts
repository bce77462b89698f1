import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec, startMigration, StoppedError, type OnlineEvent } from '../../src/index.js';
import { startWriters } from '../support/concurrent-writers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';

type BatchEvent = Extract<OnlineEvent, { type: 'batch' }>;

interface Recorded {
  readonly batches: (BatchEvent & { readonly at: number })[];
  readonly onEvent: (event: OnlineEvent) => void;
}

function recorder(): Recorded {
  const batches: (BatchEvent & { at: number })[] = [];
  return { batches, onEvent: (e) => void (e.type === 'batch' && batches.push({ ...e, at: performance.now() })) };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

describe('adaptive batch sizing and the rate cap', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('adaptive');
    // A row trigger that makes every updated row cost about 1 ms on the server (pg_sleep's floor).
    await db.sql.unsafe(`create function slow_row() returns trigger language plpgsql as $$ begin perform pg_sleep(0.0002); return new; end $$`);
  });
  afterAll(async () => {
    await db.drop();
  });

  const addPriority = (table: string) =>
    parseSpec({ operations: [{ op: 'add-column', table, column: 'priority', type: 'text', backfill: priorityExpression, nullable: false }] }, 'test');

  it('shrinks slow batches toward the target server time', async () => {
    await createTickets(db.sql, 3_000, 'slow_tickets');
    // pg_sleep costs at least about 1 ms per updated row, whatever it is asked for: 100 ms is ~100 rows,
    // and the first batch of 1,000 is far more than 5× over.
    await db.sql.unsafe('create trigger slow_row before update on slow_tickets for each row execute function slow_row()');
    const r = recorder();
    await startMigration({ databaseUrl: db.url, spec: addPriority('slow_tickets'), options: { batchSize: 1_000, targetBatchMs: 100, complete: true }, onEvent: r.onEvent });

    const first = r.batches[0];
    expect(first?.batchSize).toBe(1_000);
    expect(first?.serverMs).toBeGreaterThan(500);
    // Cut hard after the first batch, by ÷10 since it was more than 5× over target.
    expect(r.batches[1]?.batchSize).toBe(100);
    const settled = r.batches.slice(-10, -1);
    console.log(`slowed: sizes ${r.batches.map((b) => b.batchSize).join(' ')}; settled server ms ${settled.map((b) => b.serverMs).join(' ')}`);
    expect(median(settled.map((b) => b.serverMs))).toBeGreaterThan(40);
    expect(median(settled.map((b) => b.serverMs))).toBeLessThan(200);
    expect(Math.max(...settled.map((b) => b.batchSize))).toBeLessThan(300);
  });

  it('grows fast batches by at most 1.5× a step, up to the target', async () => {
    await createTickets(db.sql, 150_000, 'fast_tickets');
    const r = recorder();
    await startMigration({ databaseUrl: db.url, spec: addPriority('fast_tickets'), options: { batchSize: 100, complete: true }, onEvent: r.onEvent });
    const sizes = r.batches.map((b) => b.batchSize);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThanOrEqual(Math.ceil((sizes[i - 1] ?? 0) * 1.5) + 1);
    console.log(`fast: sizes ${sizes.join(' ')}`);
    expect(Math.max(...sizes)).toBeGreaterThan(2_000);
    expect(r.batches.reduce((n, b) => n + b.batchRows, 0)).toBe(150_000);
  });

  it('holds --max-rows-per-second within 20% under concurrent writers', async () => {
    await createTickets(db.sql, 100_000, 'capped_tickets');
    const writers = startWriters(db.url, { table: 'capped_tickets' });
    const r = recorder();
    const rate = 4_000;
    const run = startMigration({ databaseUrl: db.url, spec: addPriority('capped_tickets'), options: { maxRowsPerSecond: rate, maxDurationMs: 5_000 }, onEvent: r.onEvent });
    await expect(run).rejects.toBeInstanceOf(StoppedError);
    const report = await writers.stop();
    expect(report.errors).toEqual([]);
    // The bucket starts with one second of tokens; measure after that burst.
    const start = r.batches.find((b) => b.at - (r.batches[0]?.at ?? 0) >= 1_000);
    const end = r.batches.at(-1);
    if (start === undefined || end === undefined) throw new Error('too few batches to measure');
    const measured = (end.rowsDone - start.rowsDone) / ((end.at - start.at) / 1000);
    console.log(`rate cap ${rate}/s: measured ${Math.round(measured)}/s over ${((end.at - start.at) / 1000).toFixed(1)} s, batch sizes up to ${Math.max(...r.batches.map((b) => b.batchSize))}`);
    expect(end.at - start.at).toBeGreaterThan(2_500);
    expect(measured).toBeGreaterThan(rate * 0.8);
    expect(measured).toBeLessThan(rate * 1.2);
  });

  it('halves the batch when sessions wait on locks the backfill holds', async () => {
    await createTickets(db.sql, 4_000, 'contended_tickets');
    await db.sql.unsafe('create trigger slow_row before update on contended_tickets for each row execute function slow_row()');
    // Batches hold their row locks for about a second; each writer update lands on a locked row about as
    // often as a batch covers its share of the table.
    const writers = startWriters(db.url, { table: 'contended_tickets', writers: 3 });
    const r = recorder();
    const warnings: string[] = [];
    await startMigration({
      databaseUrl: db.url,
      spec: addPriority('contended_tickets'),
      // A target far above any batch's time, and max = initial: only contention can make a batch smaller.
      options: { batchSize: 800, maxBatchSize: 800, targetBatchMs: 60_000, probeIntervalMs: 200, lockTimeoutMs: 5_000 },
      onEvent: (e) => {
        r.onEvent(e);
        if (e.type === 'warning') warnings.push(e.message);
      },
    });
    const report = await writers.stop();
    expect(report.errors).toEqual([]);
    expect(warnings).toEqual([]);
    const sizes = r.batches.map((b) => b.batchSize);
    console.log(`contended: sizes ${sizes.join(' ')}`);
    expect(sizes[0]).toBe(800);
    expect(sizes.some((size, i) => i > 0 && size < (sizes[i - 1] ?? 0))).toBe(true);
  });
});
