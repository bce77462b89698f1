// `online demo` as a library call: a seeded tickets table under live traffic, a real add-column
// migration through the public API, then checks of what the traffic and the migration left behind.
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { startMigration } from '../api/start.js';
import { startEmbeddedServer } from '../embedded/embedded-server.js';
import { InvalidOptionError } from '../errors/index.js';
import type { EventListener } from '../events.js';
import type { MigrationSpec } from '../migration-spec/migration-spec.js';
import { parseRunOptions } from '../settings/run-options.js';
import { DemoCheckFailedError, DemoInterruptedError } from './demo-errors.js';
import { demoPassed, type DemoSummary } from './demo-summary.js';
import { priorityMigration } from './priority-migration.js';
import { seedTickets } from './seed-tickets.js';
import { startTraffic, type Traffic } from './traffic.js';
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

export const demoDefaults = { table: 'tickets', rows: 1_000_000, writers: 4, batchSize: 1_000, baselineMs: 3_000 } as const;

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
    // Stop the writers at once on a stop request: the migration only finishes its current batch.
    options.signal?.addEventListener('abort', () => void traffic.stop(), { once: true });
    const before = traffic.measure();
    await sleep(baselineMs, undefined, { signal: options.signal }).catch(() => undefined);

    enter('migrating', `migrating under traffic: add column priority text NOT NULL, backfilled in adaptive batches…`);
    const during = traffic.measure();
    const spec = priorityMigration(table);
    const migration = await migrateUnderTraffic({
      databaseUrl,
      spec,
      batchSize,
      traffic,
      signal: options.signal,
      onEvent: options.onEvent,
      stage,
    });
    await traffic.stop();

    enter('verifying', 'verifying every row…');
    const checks = await verifyDemo(sql, table);
    const [latencyBefore, latencyDuring] = [before.summarize(), during.summarize()];
    const trafficFigures = { before: latencyBefore, during: latencyDuring, errors: latencyBefore.errors + latencyDuring.errors };
    const summary: DemoSummary = {
      rows,
      writers,
      batchSize,
      seedSeconds: round(seedSeconds, 2),
      migration: { name: spec.name, ...migration },
      traffic: trafficFigures,
      checks,
      ok: demoPassed(trafficFigures, checks),
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

interface MigrationRun {
  readonly databaseUrl: string;
  readonly spec: MigrationSpec;
  readonly batchSize: number;
  readonly traffic: Traffic;
  readonly signal: AbortSignal | undefined;
  readonly onEvent: EventListener | undefined;
  readonly stage: (message: string) => void;
}

/** Runs the migration to completion (contract included) and measures it. */
async function migrateUnderTraffic(run: MigrationRun): Promise<Omit<DemoSummary['migration'], 'name'>> {
  let backfill = { rows: 0, seconds: 0 };
  const sizes: number[] = [];
  const started = performance.now();
  const result = await startMigration({
    databaseUrl: run.databaseUrl,
    spec: run.spec,
    options: { complete: true, batchSize: run.batchSize },
    signal: run.signal,
    onEvent: (event) => {
      if (event.type === 'batch') sizes.push(event.batchSize);
      if (event.type === 'backfill-done') backfill = { rows: backfill.rows + event.rowsDone, seconds: backfill.seconds + event.seconds };
      run.onEvent?.(event);
      // Contract drops the fill trigger, so the release that writes priority itself must be live
      // first: unaware writes after that would leave stale priorities behind.
      if (event.type === 'phase' && event.phase === 'contract') {
        run.traffic.deploy('aware');
        run.stage('  (the application release that sets priority itself is now live)');
      }
    },
  });
  return {
    status: result.status,
    seconds: round((performance.now() - started) / 1000, 2),
    backfillRows: backfill.rows,
    backfillRowsPerSecond: backfill.seconds > 0 ? Math.round(backfill.rows / backfill.seconds) : 0,
    settledBatchSize: [...sizes.slice(-9)].sort((a, b) => a - b)[Math.floor(Math.min(9, sizes.length) / 2)] ?? run.batchSize,
  };
}

function requirePositiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidOptionError(`--${name} must be a positive integer (got ${value})`);
  return value;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
