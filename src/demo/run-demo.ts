// `online demo` as a library call: a seeded tickets table under live traffic, a real add-column
// migration through the public API, then checks of what the traffic and the migration left behind.
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { parseRunOptions, startMigration } from '../api/start.js';
import { startEmbeddedServer } from '../embedded/embedded-server.js';
import { InvalidOptionError } from '../errors/index.js';
import type { EventListener } from '../events.js';
import { DemoCheckFailedError, DemoInterruptedError } from './demo-errors.js';
import { demoPassed, type DemoSummary } from './demo-summary.js';
import { priorityMigration } from './priority-migration.js';
import { seedTickets } from './seed-tickets.js';
import { startTraffic } from './traffic.js';
import { verifyDemo } from './verify-demo.js';

export interface DemoOptions {
  /** An existing database to create the table in; without it an embedded PostgreSQL is started. */
  readonly databaseUrl?: string;
  readonly table?: string;
  readonly rows?: number;
  readonly writers?: number;
  readonly batchSize?: number;
  /** Traffic measured before the migration starts. */
  readonly baselineMs?: number;
  /** Stops the demo (the migration finishes its current batch), then cleans up. */
  readonly signal?: AbortSignal;
  /** The migration's progress events. */
  readonly onEvent?: EventListener;
  /** One short line per stage of the demo ("seeding 1,000,000 tickets…"). */
  readonly onStage?: (message: string) => void;
}

export const demoDefaults = { table: 'tickets', rows: 1_000_000, writers: 4, batchSize: 5_000, baselineMs: 3_000 } as const;

/** Resolves with the summary; rejects with `DemoCheckFailedError` (carrying it) when a check fails. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const table = options.table ?? demoDefaults.table;
  const rows = requirePositiveInt('rows', options.rows ?? demoDefaults.rows);
  const writers = requirePositiveInt('writers', options.writers ?? demoDefaults.writers);
  const { batchSize } = parseRunOptions({ batchSize: options.batchSize ?? demoDefaults.batchSize });
  const baselineMs = options.baselineMs ?? demoDefaults.baselineMs;
  const stage = options.onStage ?? (() => undefined);
  const cleanups: (() => Promise<void>)[] = [];
  let current = 'starting';
  const enter = (name: string, message: string): void => {
    if (options.signal?.aborted === true) throw new DemoInterruptedError(current);
    current = name;
    stage(message);
  };
  try {
    let databaseUrl = options.databaseUrl;
    if (databaseUrl === undefined) {
      enter('starting PostgreSQL', 'starting embedded PostgreSQL…');
      const server = await startEmbeddedServer();
      cleanups.push(() => server.stop());
      databaseUrl = server.url;
    }
    const sql = postgres(databaseUrl, { max: 1, prepare: false, onnotice: () => undefined });
    cleanups.push(() => sql.end({ timeout: 5 }));

    enter('seeding', `seeding ${rows.toLocaleString('en-US')} tickets…`);
    const seedStarted = performance.now();
    await seedTickets(sql, table, rows);
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    enter('measuring baseline traffic', `baseline: ${writers} writers for ${(baselineMs / 1000).toFixed(0)}s…`);
    const traffic = startTraffic({ databaseUrl, table, writers, maxId: rows });
    cleanups.push(() => traffic.stop());
    const before = traffic.measure();
    await sleep(baselineMs, undefined, { signal: options.signal }).catch(() => undefined);

    enter('migrating', `migrating under traffic: add column priority text NOT NULL, backfilled (batch ${batchSize.toLocaleString('en-US')})…`);
    const during = traffic.measure();
    let backfill = { rows: 0, seconds: 0 };
    const migrationStarted = performance.now();
    const spec = priorityMigration(table);
    const result = await startMigration({
      databaseUrl,
      spec,
      options: { complete: true, batchSize },
      signal: options.signal,
      onEvent: (event) => {
        if (event.type === 'backfill-done') backfill = { rows: backfill.rows + event.rowsDone, seconds: backfill.seconds + event.seconds };
        options.onEvent?.(event);
      },
    });
    const migrationSeconds = (performance.now() - migrationStarted) / 1000;
    await traffic.stop();

    enter('verifying', 'verifying every row…');
    const checks = await verifyDemo(sql, table);
    const trafficSummary = { before: before.summarize(), during: during.summarize() };
    const trafficTotals = { ...trafficSummary, errors: trafficSummary.before.errors + trafficSummary.during.errors };
    const summary: DemoSummary = {
      rows,
      writers,
      batchSize,
      seedSeconds: round(seedSeconds, 2),
      migration: {
        name: spec.name,
        status: result.status,
        seconds: round(migrationSeconds, 2),
        backfillRows: backfill.rows,
        backfillRowsPerSecond: backfill.seconds > 0 ? Math.round(backfill.rows / backfill.seconds) : 0,
      },
      traffic: trafficTotals,
      checks,
      ok: demoPassed(trafficTotals, checks),
    };
    if (!summary.ok) throw new DemoCheckFailedError(summary);
    return summary;
  } catch (error) {
    if (options.signal?.aborted === true && !(error instanceof DemoCheckFailedError)) throw new DemoInterruptedError(current);
    throw error;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

function requirePositiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidOptionError(`--${name} must be a positive integer (got ${value})`);
  return value;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
