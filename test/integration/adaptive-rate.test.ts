import { beforeAll, describe, expect, it } from 'vitest';
import { parseSpec, startMigration, StoppedError, type OnlineEvent } from '../../src/index.js';
import { BatchSizer } from '../../src/throttle/batch-sizer.js';
import { startWriters } from '../support/concurrent-writers.js';
import { useTestDatabase } from '../support/test-database.js';
import { createTickets, priorityExpression } from '../support/tickets-fixture.js';

type BatchEvent = Extract<OnlineEvent, { type: 'batch' }>;

interface Recorded {
  readonly batches: (BatchEvent & { readonly at: number })[];
  readonly events: OnlineEvent[];
  readonly onEvent: (event: OnlineEvent) => void;
}

function recorder(): Recorded {
  const batches: (BatchEvent & { at: number })[] = [];
  const events: OnlineEvent[] = [];
  return {
    batches,
    events,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'batch') batches.push({ ...e, at: performance.now() });
    },
  };
}

/**
 * Every batch's size is the sizer's answer to the server times the batches before it reported: how close
 * that lands to the target is the sizer's unit test, how long a batch takes is the machine's business.
 * Within what the events' rounding of server time to 0.1 ms allows: ±0.05 ms on the fastest batch of the
 * sizer's window (its last 10) moves the answer by up to 0.05 / that batch's ms (5 % on a 1 ms batch).
 */
function expectSizerAnswers(batches: readonly BatchEvent[], initial: number): void {
  const replay = new BatchSizer({ initial, min: 10, max: 50_000, targetMs: 100 });
  batches.forEach((b, i) => {
    const expected = replay.size;
    const fastest = Math.min(...batches.slice(Math.max(0, i - 10), i).map((w) => w.serverMs), Number.POSITIVE_INFINITY);
    const rounding = Number.isFinite(fastest) ? 0.05 / Math.max(0.05, fastest) : 0;
    expect(Math.abs(b.batchSize - expected), `batch ${i}: ${b.batchSize} rows, the sizer says ${expected}`).toBeLessThanOrEqual(
      Math.max(2, (0.02 + rounding) * expected),
    );
    replay.observe(b.batchSize, b.serverMs);
  });
}

describe('adaptive batch sizing and the rate cap', () => {
  const db = useTestDatabase('adaptive');
  beforeAll(async () => {
    // A row trigger that makes every updated row cost about 1 ms on the server (pg_sleep's floor).
    await db.sql.unsafe(
      `create function slow_row() returns trigger language plpgsql as $$ begin perform pg_sleep(0.0002); return new; end $$`,
    );
  });

  const addPriority = (table: string) =>
    parseSpec(
      { operations: [{ op: 'add-column', table, column: 'priority', type: 'text', backfill: priorityExpression, nullable: false }] },
      'test',
    );

  // By the key, each batch is the size asked and the sizer's answers replay exactly; by pages, a batch is
  // whole pages of about that many rows, so only where the sizes go is checked.
  it.each([
    ['key', false],
    ['page ranges', true],
  ] as const)('shrinks slow batches toward the target server time (%s)', async (mode, pageRanges) => {
    const table = `slow_tickets_${pageRanges ? 'pages' : 'key'}`;
    await createTickets(db.sql, 3_000, table);
    // pg_sleep costs at least about 1 ms per updated row, whatever it is asked for: 100 ms is ~100 rows,
    // and the first batch of 1,000 is far more than 5× over.
    await db.sql.unsafe(`create trigger slow_row before update on ${table} for each row execute function slow_row()`);
    const r = recorder();
    await startMigration({
      databaseUrl: db.url,
      spec: addPriority(table),
      options: { batchSize: 1_000, targetBatchMs: 100, complete: true, pageRanges },
      onEvent: r.onEvent,
    });
    expect(r.events.find((e) => e.type === 'backfill-start')).toMatchObject({ mode: pageRanges ? 'ctid' : 'key' });

    const first = r.batches[0];
    expect(first?.batchSize).toBe(1_000);
    expect(first?.serverMs).toBeGreaterThan(500);
    // Cut hard after the first batch, by ÷10 since it was more than 5× over target.
    expect(r.batches[1]?.batchSize).toBe(100);
    const settled = r.batches.slice(-10, -1);
    console.log(
      `slowed: sizes ${r.batches.map((b) => b.batchSize).join(' ')}; settled server ms ${settled.map((b) => b.serverMs).join(' ')}`,
    );
    if (mode === 'key') expectSizerAnswers(r.batches, 1_000);
    // A row costs at least about 1 ms (pg_sleep's floor), more on a busy machine: never near 1,000 rows again.
    expect(Math.max(...settled.map((b) => b.batchSize))).toBeLessThan(300);
  });

  it('grows fast batches by at most 1.5× a step, up to the target', async () => {
    await createTickets(db.sql, 150_000, 'fast_tickets');
    const r = recorder();
    await startMigration({
      databaseUrl: db.url,
      spec: addPriority('fast_tickets'),
      // By the key, so that each batch is the size the sizer asked for and its answers replay exactly.
      options: { batchSize: 100, complete: true, pageRanges: false },
      onEvent: r.onEvent,
    });
    const sizes = r.batches.map((b) => b.batchSize);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThanOrEqual(Math.ceil((sizes[i - 1] ?? 0) * 1.5) + 1);
    console.log(`fast: sizes ${sizes.join(' ')}; server ms ${r.batches.map((b) => b.serverMs).join(' ')}`);
    // 100 rows take a few ms, far under the 100 ms target (it would take a machine 20× slower than a busy
    // one to blur that): the size grows, as far as the server times let it. Not from the first batch
    // on: that one may meet cold buffers on a busy machine (149 ms once), and the sizer rightly shrinks.
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(1_000);
    expectSizerAnswers(r.batches, 100);
    expect(r.batches.reduce((n, b) => n + b.batchRows, 0)).toBe(150_000);
  });

  it('never lets --max-rows-per-second be exceeded under concurrent writers: the token bucket bounds every stretch of the run', async () => {
    await createTickets(db.sql, 100_000, 'capped_tickets');
    const writers = startWriters(db.url, { table: 'capped_tickets' });
    const r = recorder();
    const rate = 4_000;
    const startedAt = performance.now();
    const run = startMigration({
      databaseUrl: db.url,
      spec: addPriority('capped_tickets'),
      options: { maxRowsPerSecond: rate, maxDurationMs: 5_000 },
      onEvent: r.onEvent,
    });
    // At most 4,000 + 5 s × 4,000 rows fit in the 5 s limit: far from 100,000.
    await expect(run).rejects.toBeInstanceOf(StoppedError);
    const report = await writers.stop();
    expect(report.errors).toEqual([]);
    // The bucket holds one second of rows and refills at the rate. Batch k takes its tokens after batch k-1
    // reported (or after the run began) and before it reports itself, so batches a…b never hold more
    // rows than rate × (the time from the report before a to the report of b) plus one full bucket. A slow
    // machine only makes the run slower: this cannot fail by load, only by a cap that lets rows through.
    const reportedAt = [startedAt, ...r.batches.map((b) => b.at)];
    let worst = { rows: 0, allowed: Number.POSITIVE_INFINITY, from: 0, to: 0 };
    for (let a = 0; a < r.batches.length; a++) {
      let rows = 0;
      for (let b = a; b < r.batches.length; b++) {
        rows += r.batches[b]?.batchRows ?? 0;
        const allowed = rate + (rate * ((reportedAt[b + 1] ?? 0) - (reportedAt[a] ?? 0))) / 1000;
        if (rows - allowed > worst.rows - worst.allowed) worst = { rows, allowed, from: a, to: b };
      }
    }
    const last = r.batches.at(-1);
    const seconds = ((last?.at ?? startedAt) - startedAt) / 1000;
    console.log(
      `rate cap ${rate}/s: ${last?.rowsDone ?? 0} rows in ${seconds.toFixed(1)} s (${Math.round((last?.rowsDone ?? 0) / seconds)}/s over the run, the first second's bucket included), ${r.batches.length} batches up to ${Math.max(...r.batches.map((b) => b.batchSize))} rows`,
    );
    expect(r.batches.length).toBeGreaterThan(1);
    expect(
      worst.rows,
      `batches ${worst.from}…${worst.to}: ${worst.rows} rows where the cap allows ${worst.allowed.toFixed(0)}`,
    ).toBeLessThanOrEqual(worst.allowed + 1);
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
