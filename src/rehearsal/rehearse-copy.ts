// Runs migrations for real on a copy (a throwaway database holding the target's schema), traced: the
// copy's event triggers and a lock poller watch the migration's sessions while a synthetic writer
// writes to every table it touches. Start and complete go through the library, as `online start
// --complete` would, with the user's run settings; nothing here runs on the target.
import { connect, type Sql } from '../db/connect.js';
import { OnlineError } from '../errors/index.js';
import { startMigration } from '../api/start.js';
import type { MigrationSpec } from '../migration-spec/migration-spec.js';
import { tablesOf } from '../operations/index.js';
import type { OperationPlan } from '../plan/plan.js';
import type { RunOptionsInput } from '../settings/run-options.js';
import { Ledger } from '../state/ledger.js';
import { defaultStateSchema } from '../state/state-store.js';
import { displayName, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { buildReport, type TracedMigration } from './build-report.js';
import { rehearsalApplicationPrefix, startLockPoller, type LockHolding } from './lock-poller.js';
import type { RehearsalReport } from './rehearsal-report.js';
import { RunWindows } from './run-windows.js';
import { analyzerForecaster } from './analyzer-forecast.js';
import { catalogLookups } from './catalog-lookups.js';
import { startSyntheticWriter, type WriterReport } from './synthetic-writer.js';
import { installTracing, removeTriggers, traceSchema } from './trace-schema.js';
import { changedRelfilenodes, readTriggerObservations } from './trigger-observations.js';

export interface RehearseCopyInput {
  /** Superuser URL of the copy: tracing installs event triggers there. */
  readonly copyUrl: string;
  /** Run in order; the first that fails ends the run (later ones build on it). */
  readonly specs: readonly MigrationSpec[];
  readonly options?: RunOptionsInput;
  readonly stateSchema?: string;
  readonly maxLockHoldMs: number;
  readonly sample?: number | null;
  readonly pollIntervalMs?: number;
  readonly writerLockTimeoutMs?: number;
  readonly skipped?: RehearsalReport['skipped'];
  readonly notes?: readonly string[];
  readonly signal?: AbortSignal;
  /** One line per stage (`running 0002-ticket-priority…`). */
  readonly onProgress?: (message: string) => void;
}

export async function rehearseOnCopy(input: RehearseCopyInput): Promise<RehearsalReport> {
  const progress = input.onProgress ?? (() => undefined);
  const stateSchema = input.stateSchema ?? defaultStateSchema;
  const copy = await connect(input.copyUrl, { max: 2, applicationName: `${rehearsalApplicationPrefix} tracer` });
  try {
    await installTracing(copy);
    const tables = await existingTables(
      copy,
      input.specs.flatMap((spec) => spec.operations.flatMap((op) => tablesOf(op))),
    );
    progress(`writing to ${tables.length === 0 ? 'no table' : tables.map(displayName).join(', ')} while the migration runs…`);
    const writer = await startSyntheticWriter(input.copyUrl, tables, {
      namedBySpec: namesIn(input.specs),
      lockTimeoutMs: input.writerLockTimeoutMs,
    });
    const poller = startLockPoller(copy, input.pollIntervalMs);
    const windows = new RunWindows();
    let holdings: LockHolding[] = [];
    let writerReport: WriterReport | undefined;
    const errors = new Map<string, { code: string; message: string }>();
    try {
      for (const spec of input.specs) {
        progress(`running ${spec.name} (start, then complete)…`);
        windows.migrationStarted(spec.name);
        try {
          await startMigration({
            databaseUrl: input.copyUrl,
            stateSchema,
            spec,
            options: { ...input.options, complete: true },
            signal: input.signal,
            onEvent: (event) => windows.event(event),
          });
        } catch (error) {
          if (input.signal?.aborted === true) throw error;
          errors.set(spec.name, errorOf(error));
          break;
        } finally {
          windows.migrationEnded();
        }
      }
    } finally {
      holdings = await poller.stop();
      writerReport = await writer.stop();
      await removeTriggers(copy);
    }
    const migrations = await tracedMigrations(copy, stateSchema, input.specs, errors);
    const plans = new Map(migrations.flatMap((m) => (m.plan === null ? [] : [[m.migration, m.plan] as const])));
    windows.resolveKinds((name) => plans.get(name));
    const trigger = await readTriggerObservations(copy);
    const seen = [...holdings.map((h) => h.relation), ...trigger.acquisitions.map((a) => a.relation)];
    const report = await buildReport({
      serverVersion: await serverVersion(copy),
      sample: input.sample ?? null,
      maxLockHoldMs: input.maxLockHoldMs,
      pollIntervalMs: poller.intervalMs,
      migrations,
      windows,
      holdings,
      trigger,
      relfilenodeChanges: await changedRelfilenodes(copy),
      forecaster: analyzerForecaster(await catalogLookups(copy, seen)),
      ignoredSchemas: new Set([stateSchema, traceSchema]),
      writer: writerReport ?? (await writer.stop()),
      skipped: input.skipped ?? [],
      notes: input.notes ?? [],
    });
    progress(`${report.statementsTraced} statements traced, ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}`);
    return report;
  } finally {
    await copy.end({ timeout: 5 });
  }
}

/** The tables of the specs that exist on the copy before the run (a table the migration creates is not written to). */
async function existingTables(copy: Sql, names: readonly QualifiedName[]): Promise<QualifiedName[]> {
  const unique = [...new Map(names.map((n) => [quoteQualified(n), n])).values()];
  const found: QualifiedName[] = [];
  for (const name of unique) {
    const [row] = await copy<{ exists: boolean }[]>`select to_regclass(${quoteQualified(name)}) is not null as exists`;
    if (row?.exists === true) found.push(name);
  }
  return found;
}

/** Every string of the specs (column names among them): the writer prefers columns no spec mentions. */
function namesIn(specs: readonly MigrationSpec[]): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') names.add(value);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(visit);
  };
  specs.forEach(visit);
  return names;
}

async function tracedMigrations(
  copy: Sql,
  stateSchema: string,
  specs: readonly MigrationSpec[],
  errors: ReadonlyMap<string, { code: string; message: string }>,
): Promise<TracedMigration[]> {
  const recorded = await new Ledger({ sql: copy, schema: stateSchema }).migrationsIfAny();
  const ran = specs.slice(0, specs.findIndex((s) => errors.has(s.name)) + 1 || specs.length);
  return ran.map((spec) => {
    const record = recorded.find((r) => r.name === spec.name);
    const plan: OperationPlan | null = record?.plan ?? null;
    return { migration: spec.name, plan, status: record?.status ?? 'not started', error: errors.get(spec.name) ?? null };
  });
}

function errorOf(error: unknown): { code: string; message: string } {
  if (error instanceof OnlineError) return { code: error.code, message: error.message };
  return { code: 'UNEXPECTED', message: error instanceof Error ? error.message : String(error) };
}

async function serverVersion(copy: Sql): Promise<string> {
  const [row] = await copy<{ version: string }[]>`select current_setting('server_version') as version`;
  return row?.version ?? 'unknown';
}
