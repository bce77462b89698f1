// Simulated application traffic: writers keep inserting and updating tickets throughout the
// migration, each operation timed into the current measurement window.
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { LatencyWindow } from './latency-stats.js';
import { randomTicketWrite, type AppRelease } from './ticket-writes.js';

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
  /** Switches the writers to the application release that sets the new column itself. */
  deploy(release: AppRelease): void;
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
  let release: AppRelease = 'unaware';
  const loops = Array.from({ length: options.writers }, async () => {
    while (running) {
      const started = performance.now();
      const recordInto = window;
      try {
        await randomTicketWrite(sql, options.table, options.maxId, release);
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
    deploy(next) {
      release = next;
    },
    stop() {
      running = false;
      stopped ??= Promise.allSettled(loops).then(() => sql.end({ timeout: 5 }));
      return stopped;
    },
  };
}
