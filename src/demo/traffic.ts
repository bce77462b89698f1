// Simulated application traffic: writers that know nothing of the column being added keep inserting
// and updating tickets, each operation timed into the current measurement window.
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { LatencyWindow } from './latency-stats.js';
import { ticketStatuses } from './seed-tickets.js';

export interface TrafficOptions {
  readonly databaseUrl: string;
  readonly table: string;
  /** Concurrent writers, one connection each. */
  readonly writers: number;
  /** Updates pick a random id in 1..maxId. */
  readonly maxId: number;
}

export interface Traffic {
  /** Starts a new window: operations finishing from now on are recorded in it. */
  measure(): LatencyWindow;
  /** Stops the writers, waits for their last operation and closes their pool. */
  stop(): Promise<void>;
}

/** A short random pause between operations, so the writers leave the server room to migrate. */
const pauseMs = (): number => 2 + Math.random() * 3;

export function startTraffic(options: TrafficOptions): Traffic {
  const sql = postgres(options.databaseUrl, {
    max: options.writers,
    onnotice: () => undefined,
    connection: { application_name: 'online-demo-app' },
  });
  let window = new LatencyWindow();
  let running = true;
  const loops = Array.from({ length: options.writers }, async () => {
    while (running) {
      const started = performance.now();
      const recordInto = window;
      try {
        await randomOperation(sql, options);
        recordInto.record(performance.now() - started);
      } catch (error) {
        recordInto.recordError(error);
      }
      await sleep(pauseMs());
    }
  });
  let stopped: Promise<void> | undefined;
  return {
    measure() {
      window = new LatencyWindow();
      return window;
    },
    stop() {
      running = false;
      stopped ??= Promise.allSettled(loops).then(() => sql.end({ timeout: 5 }));
      return stopped;
    },
  };
}

/** What a support application does all day: open tickets, move them along, escalate some. */
async function randomOperation(sql: postgres.Sql, { table, maxId }: TrafficOptions): Promise<void> {
  const roll = Math.random();
  const id = 1 + Math.floor(Math.random() * maxId);
  if (roll < 0.25) {
    const n = Math.floor(Math.random() * 1e9);
    await sql`
      insert into ${sql(table)} (title, description, status, customer_email)
      values (${`New ticket ${n}`}, ${'Submitted through the help widget'}, 'open', ${`customer${n % 50000}@example.com`})`;
  } else if (roll < 0.8) {
    const status = ticketStatuses[Math.floor(Math.random() * ticketStatuses.length)] ?? 'open';
    const resolvedAt = status === 'resolved' || status === 'closed' ? new Date() : null;
    await sql`update ${sql(table)} set status = ${status}, resolved_at = ${resolvedAt}, updated_at = now() where id = ${id}`;
  } else {
    await sql`update ${sql(table)} set escalated = ${Math.random() < 0.5}, updated_at = now() where id = ${id}`;
  }
}
