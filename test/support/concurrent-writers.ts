// Simulated application traffic that knows nothing of the migration: inserts and updates tickets
// from separate connections, recording every error and the worst latency.
import postgres from 'postgres';

export interface WriterReport {
  readonly operations: number;
  readonly errors: readonly string[];
  readonly maxLatencyMs: number;
}

export interface ConcurrentWriters {
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
  let maxLatencyMs = 0;
  const errors: string[] = [];
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
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const loops = Array.from({ length: writers }, (_, n) => loop(n));
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      await sql.end({ timeout: 5 });
      return { operations, errors, maxLatencyMs };
    },
  };
}

/** The application before the migration: inserts tickets and updates their status and escalation. */
export function startWriters(url: string, options: WriterOptions = {}): ConcurrentWriters {
  const table = options.table ?? 'tickets';
  const randomId = (sql: postgres.Sql): postgres.PendingQuery<postgres.Row[]> => sql`(select floor(random() * (select max(id) from ${sql(table)}))::bigint + 1)`;
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
