// Simulated application traffic that knows nothing of the migration: inserts and updates tickets
// from separate connections, recording every error and the worst latency.
import postgres from 'postgres';
import { expect } from 'vitest';

export interface WriterReport {
  readonly operations: number;
  readonly errors: readonly string[];
  /**
   * The slowest operation, wall clock: for the log. A busy machine stretches it as much as any lock
   * does, so tests assert it only against a lock held far longer (test/support/held-lock.ts).
   */
  readonly maxLatencyMs: number;
}

export interface ConcurrentWriters {
  /** Operations attempted so far (successes and failures). */
  operations(): number;
  /**
   * Resolves once `count` more operations have been attempted: a wait on the writers' own progress, for
   * "the application kept writing" instead of a sleep. Rejects after `timeoutMs` (writers that stall
   * behind a lock never get there).
   */
  waitForOperations(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<WriterReport>;
}

export interface WriterOptions {
  readonly writers?: number;
  readonly pauseMs?: number;
  readonly table?: string;
  /** false: only insert new rows, never touch existing ones. */
  readonly updates?: boolean;
}

/** One step of a simulated writer: writer `n`'s `i`-th operation, on the loops' shared pool. */
export type WriterStep = (sql: postgres.Sql, n: number, i: number) => Promise<unknown>;

/**
 * Runs `writers` loops of `step` on their own pool until stopped, each operation timed and every error
 * recorded (the application must never see one because of a migration).
 */
export function startWriterLoops(url: string, writers: number, step: WriterStep, pauseMs = 2): ConcurrentWriters {
  const sql = postgres(url, { max: writers, onnotice: () => undefined });
  let running = true;
  let operations = 0;
  let attempts = 0;
  let maxLatencyMs = 0;
  const errors: string[] = [];
  const waiters = new Set<{ readonly at: number; readonly settle: (failure?: string) => void }>();
  const loop = async (n: number): Promise<void> => {
    for (let i = 0; running; i++) {
      const started = performance.now();
      try {
        await step(sql, n, i);
        operations++;
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
      maxLatencyMs = Math.max(maxLatencyMs, performance.now() - started);
      attempts++;
      for (const waiter of waiters) if (attempts >= waiter.at) waiter.settle();
      // Kept: paces the application's loop (its think time), not a wait for anything.
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const loops = Array.from({ length: writers }, (_, n) => loop(n));
  return {
    operations: () => attempts,
    waitForOperations(count, timeoutMs = 120_000) {
      const from = attempts;
      return new Promise((resolve, reject) => {
        const settle = (failure?: string): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
          if (failure === undefined) resolve();
          else
            reject(
              new Error(
                `${failure}: the writers made ${attempts - from} of ${count} operations; last errors: ${errors.slice(-3).join('; ')}`,
              ),
            );
        };
        const waiter = { at: from + count, settle };
        const timer = setTimeout(() => settle(`not reached in ${timeoutMs} ms (writers stalled?)`), timeoutMs);
        waiters.add(waiter);
      });
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      for (const waiter of waiters) waiter.settle('the writers were stopped first');
      await sql.end({ timeout: 5 });
      return { operations, errors, maxLatencyMs };
    },
  };
}

/**
 * Lets the application write `count` more operations (it outlives the steps under test), stops it, logs
 * what it did under `label`, and expects that it never saw an error.
 */
export async function expectCalmTraffic(label: string, writers: ConcurrentWriters, count = 20): Promise<WriterReport> {
  await writers.waitForOperations(count);
  const report = await writers.stop();
  console.log(`${label}: ${report.operations} writes, worst latency ${report.maxLatencyMs.toFixed(0)} ms`);
  expect(report.errors).toEqual([]);
  return report;
}

/** The application before the migration: inserts tickets and updates their status and escalation. */
export function startWriters(url: string, options: WriterOptions = {}): ConcurrentWriters {
  const table = options.table ?? 'tickets';
  const randomId = (sql: postgres.Sql): postgres.PendingQuery<postgres.Row[]> =>
    sql`(select floor(random() * (select max(id) from ${sql(table)}))::bigint + 1)`;
  return startWriterLoops(
    url,
    options.writers ?? 2,
    async (sql, n, i) => {
      if (i % 3 === 0 || options.updates === false) {
        await sql`insert into ${sql(table)} (title, status, escalated) values (${`writer ${n} ticket ${i}`}, 'open', ${i % 2 === 0})`;
      } else if (i % 3 === 1) {
        await sql`update ${sql(table)} set status = 'resolved', resolved_at = now(), updated_at = now() where id = ${randomId(sql)}`;
      } else {
        await sql`update ${sql(table)} set escalated = not escalated, updated_at = now() where id = ${randomId(sql)}`;
      }
    },
    options.pauseMs,
  );
}
