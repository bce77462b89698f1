// Simulated application traffic for any table shape: inserts new rows and updates seeded ones from
// separate connections, through statements the test supplies, recording every error and which
// seeded rows were updated.
import postgres from 'postgres';

export interface ShapeWriterReport {
  readonly inserts: number;
  readonly updates: number;
  /** Distinct seeded row numbers (1…seeded) that some update touched. */
  readonly updatedRows: ReadonlySet<number>;
  readonly errors: readonly string[];
}

export interface ShapeWriters {
  /** Statements attempted so far (inserts, updates and failures). */
  operations(): number;
  /** Resolves once at least `count` more statements have been attempted. */
  waitForOperations(count: number): Promise<void>;
  stop(): Promise<ShapeWriterReport>;
}

export interface ShapeWriterOptions {
  /** Rows seeded with numbers 1…seeded; updates pick one of them at random. 0: insert only. */
  readonly seeded: number;
  /** Inserts one row numbered `n` (above `seeded`, unique across writers), without the new column. */
  readonly insert: (sql: postgres.Sql, n: number) => Promise<unknown>;
  /** Updates seeded row `n` without touching the new column. */
  readonly update: (sql: postgres.Sql, n: number) => Promise<unknown>;
  readonly writers?: number;
  readonly pauseMs?: number;
}

export function startShapeWriters(url: string, options: ShapeWriterOptions): ShapeWriters {
  const writers = options.writers ?? 2;
  const sql = postgres(url, { max: writers, onnotice: () => undefined });
  let running = true;
  let inserts = 0;
  let updates = 0;
  let attempts = 0;
  let nextRow = options.seeded;
  const updatedRows = new Set<number>();
  const errors: string[] = [];
  const loop = async (): Promise<void> => {
    for (let i = 0; running; i++) {
      try {
        if (options.seeded === 0 || i % 3 === 0) {
          await options.insert(sql, ++nextRow);
          inserts++;
        } else {
          const n = 1 + Math.floor(Math.random() * options.seeded);
          await options.update(sql, n);
          updatedRows.add(n);
          updates++;
        }
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
      attempts++;
      // Kept: paces the application's loop (its think time), not a wait for anything.
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 1));
    }
  };
  const loops = Array.from({ length: writers }, () => loop());
  return {
    operations: () => attempts,
    async waitForOperations(count) {
      const target = attempts + count;
      while (running && attempts < target) await new Promise((resolve) => setTimeout(resolve, 5));
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      await sql.end({ timeout: 5 });
      return { inserts, updates, updatedRows, errors };
    },
  };
}
