// How long the OLTP writers waited for locks: pg_stat_activity sampled every ~10 ms from its own
// connection. A backend waiting on a heavyweight lock (wait_event_type = 'Lock') is one wait per
// pid + query_start; its length is the longest clock_timestamp() - query_start seen for it, so a
// wait is measured to within one sampling interval, and waits shorter than that may go unseen.
import postgres from 'postgres';
import { epochMs, sleep, type TimeWindow } from './bench-clock.js';

export interface LockWait {
  readonly pid: number;
  /** When the wait started (client clock, epoch ms) and when it was last seen. */
  readonly from: number;
  readonly lastSeen: number;
  readonly waitedMs: number;
}

export interface LockWaitSampler {
  stop(): Promise<readonly LockWait[]>;
}

export function startLockWaitSampler(databaseUrl: string, applicationName: string, intervalMs = 10): LockWaitSampler {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined, connection: { application_name: 'bench-lock-sampler' } });
  const waits = new Map<string, LockWait>();
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const rows = await sql<{ pid: number; started: string; waited_ms: number }[]>`
        select pid, query_start::text as started, extract(epoch from clock_timestamp() - query_start)::float8 * 1000 as waited_ms
        from pg_stat_activity
        where application_name = ${applicationName} and wait_event_type = 'Lock' and query_start is not null`;
      const seen = epochMs();
      for (const row of rows) {
        const key = `${row.pid}@${row.started}`;
        const previous = waits.get(key);
        const waitedMs = Math.max(previous?.waitedMs ?? 0, row.waited_ms);
        waits.set(key, { pid: row.pid, from: previous?.from ?? seen - row.waited_ms, lastSeen: seen, waitedMs });
      }
      await sleep(intervalMs);
    }
  };
  // Held until stop(), so a failed sample surfaces there rather than as an unhandled rejection.
  const done = loop().then(
    () => undefined,
    (error: unknown) => error,
  );
  return {
    async stop() {
      running = false;
      const failure = await done;
      await sql.end({ timeout: 5 });
      if (failure !== undefined) throw failure;
      return [...waits.values()];
    },
  };
}

/** The longest wait that overlapped the window (0 when none was seen). */
export function longestWaitIn(waits: readonly LockWait[], window: TimeWindow): number {
  return waits.filter((w) => w.from <= window.to && w.lastSeen >= window.from).reduce((max, w) => Math.max(max, w.waitedMs), 0);
}

export function waitsIn(waits: readonly LockWait[], window: TimeWindow): number {
  return waits.filter((w) => w.from <= window.to && w.lastSeen >= window.from).length;
}
