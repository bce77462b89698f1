// Turns a traced run into the RehearsalReport: every step that ran, each planned statement in order
// (then any other statement seen in it), with its forecast, what was observed, and the findings.
import type { OperationPlan } from '../plan/plan.js';
import type { LockHolding } from './lock-poller.js';
import { statementFindings } from './lock-findings.js';
import type { Finding, MigrationTrace, RehearsalReport, StatementTrace, StepTrace } from './rehearsal-report.js';
import type { RunWindow, RunWindows } from './run-windows.js';
import type { StatementForecast, StatementForecaster } from './statement-forecast.js';
import { assembleTraces, normalizeStatement, type StatementAccumulator, type StepAccumulator } from './trace-assembly.js';
import type { TracedRelation } from './traced-relation.js';
import type { TriggerObservations } from './trigger-observations.js';
import type { WriterReport } from './synthetic-writer.js';

export interface TracedMigration {
  readonly migration: string;
  readonly plan: OperationPlan | null;
  readonly status: string;
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface ReportInput {
  readonly serverVersion: string;
  readonly sample: number | null;
  readonly maxLockHoldMs: number;
  readonly pollIntervalMs: number;
  readonly migrations: readonly TracedMigration[];
  readonly windows: RunWindows;
  readonly holdings: readonly LockHolding[];
  readonly trigger: TriggerObservations;
  readonly relfilenodeChanges: readonly TracedRelation[];
  readonly forecaster: StatementForecaster;
  readonly ignoredSchemas: ReadonlySet<string>;
  readonly writer: WriterReport;
  readonly skipped: RehearsalReport['skipped'];
  readonly notes: readonly string[];
}

export async function buildReport(input: ReportInput): Promise<RehearsalReport> {
  const plans = new Map(input.migrations.flatMap((m) => (m.plan === null ? [] : [[m.migration, m.plan] as const])));
  const forecasts = new Map<string, StatementForecast | undefined>();
  const forecast = async (text: string): Promise<void> => {
    if (!forecasts.has(text)) forecasts.set(text, await input.forecaster(text).catch(() => undefined));
  };
  for (const plan of plans.values())
    for (const step of [...plan.expand, ...plan.contract]) for (const s of step.statements) await forecast(normalizeStatement(s));
  const accumulated = assembleTraces({ ...input, plans: (name) => plans.get(name), forecasts });
  for (const step of accumulated) for (const text of step.statements.keys()) await forecast(text);

  const findings: Finding[] = [];
  let statementsTraced = 0;
  const migrations: MigrationTrace[] = input.migrations.map((m) => {
    const windows = [...input.windows.steps(), ...input.windows.migrations()].filter((w) => w.migration === m.migration);
    const steps: StepTrace[] = windows.flatMap((window) => {
      const step = stepTrace(
        window,
        accumulated.find((a) => a.window === window),
        plans.get(m.migration),
        forecasts,
        input.maxLockHoldMs,
      );
      return step === undefined ? [] : [step];
    });
    for (const step of steps) for (const s of step.statements) findings.push(...s.findings);
    statementsTraced += steps.reduce((n, s) => n + s.statements.length, 0);
    if (m.error !== null) findings.push({ kind: 'run-failed', migration: m.migration, message: `${m.error.code}: ${m.error.message}` });
    return { migration: m.migration, status: m.status, error: m.error, steps };
  });
  for (const error of input.writer.errors) {
    findings.push({
      kind: 'writer-error',
      table: error.table,
      message: `the synthetic writer failed on ${error.table}: ${error.message}${error.sqlState === null ? '' : ` (${error.sqlState})`}`,
    });
  }
  return {
    serverVersion: input.serverVersion,
    sample: input.sample,
    maxLockHoldMs: input.maxLockHoldMs,
    pollIntervalMs: input.pollIntervalMs,
    migrations,
    writer: input.writer,
    findings,
    statementsTraced,
    skipped: input.skipped,
    notes: input.notes,
  };
}

/** A step's statements: the planned ones in order (observed or not), then any other seen in its window. The `other` step only when it saw something. */
function stepTrace(
  window: RunWindow,
  observed: StepAccumulator | undefined,
  plan: OperationPlan | undefined,
  forecasts: ReadonlyMap<string, StatementForecast | undefined>,
  maxLockHoldMs: number,
): StepTrace | undefined {
  const planned =
    window.index !== null && (window.phase === 'expand' || window.phase === 'contract')
      ? (plan?.[window.phase][window.index - 1]?.statements ?? []).map(normalizeStatement)
      : [];
  const texts = [...new Set([...planned, ...(observed?.statements.keys() ?? [])])];
  const forecastOf = (text: string): StatementForecast | undefined =>
    window.kind === 'backfill' || window.kind === 'other' ? withBackfillWrites(forecasts.get(text), plan) : forecasts.get(text);
  const statements = texts.map((text) => statementTrace(window, text, observed?.statements.get(text), forecastOf(text), maxLockHoldMs));
  const seen = statements.filter((s) => s.locks.length + s.waits.length + s.rewrites.length > 0);
  if (window.kind === 'other' && seen.length === 0) return undefined;
  return {
    phase: window.phase,
    index: window.index,
    description: window.kind === 'other' ? 'statements outside the plan (pre-flight, checks)' : window.description,
    kind: window.kind,
    statements: window.kind === 'other' || window.kind === 'backfill' ? seen : statements,
  };
}

function statementTrace(
  window: RunWindow,
  text: string,
  observed: StatementAccumulator | undefined,
  forecast: StatementForecast | undefined,
  maxLockHoldMs: number,
): StatementTrace {
  const locks = [...(observed?.locks.values() ?? [])];
  const rewrites = observed?.rewrites ?? [];
  return {
    statement: text,
    forecast: forecast ?? null,
    locks: locks.map(({ relation: _relation, ...lock }) => lock),
    waits: [...(observed?.waits.values() ?? [])],
    rewrites,
    findings: statementFindings({ window, statement: text, forecast, locks, rewrites, maxLockHoldMs }),
  };
}

/**
 * What the plan says of a backfill batch: it writes its task's table (ROW EXCLUSIVE; leaf partitions
 * through their parent). The batch's text is the executor's (the UPDATE inside a WITH, the cursor's
 * update outside), so the task is added to what the analyzer reads from it. Outside the plan's steps
 * too: complete sweeps the backfill once more before contract.
 */
function withBackfillWrites(forecast: StatementForecast | undefined, plan: OperationPlan | undefined): StatementForecast | undefined {
  if (forecast === undefined || plan === undefined) return forecast;
  const writes = plan.backfill.map((task) => ({ schema: task.table.schema, name: task.table.name, mode: 'row exclusive' as const }));
  return { ...forecast, locks: [...forecast.locks, ...writes] };
}
