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

export function startWriters(url: string, options: WriterOptions = {}): ConcurrentWriters {
  const writers = options.writers ?? 2;
  const table = options.table ?? 'tickets';
  const sql = postgres(url, { max: writers, onnotice: () => undefined });
  let running = true;
  let operations = 0;
  let maxLatencyMs = 0;
  const errors: string[] = [];
  const loop = async (n: number): Promise<void> => {
    for (let i = 0; running; i++) {
      const started = performance.now();
      try {
        if (i % 3 === 0 || options.updates === false) {
          await sql`insert into ${sql(table)} (title, status, escalated) values (${`writer ${n} ticket ${i}`}, 'open', ${i % 2 === 0})`;
        } else if (i % 3 === 1) {
          await sql`update ${sql(table)} set status = 'resolved', resolved_at = now(), updated_at = now()
                    where id = (select floor(random() * (select max(id) from ${sql(table)}))::bigint + 1)`;
        } else {
          await sql`update ${sql(table)} set escalated = not escalated, updated_at = now()
                    where id = (select floor(random() * (select max(id) from ${sql(table)}))::bigint + 1)`;
        }
        operations++;
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
      maxLatencyMs = Math.max(maxLatencyMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 2));
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
