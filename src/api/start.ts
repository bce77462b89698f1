// `start`: pre-flight every operation against the catalog (changing nothing), then record the
// migration and run expand and backfill (and contract with `complete`).
import { checkThrottleQuery } from '../preflight/expression-probe.js';
import { serverVersionNum } from '../catalog/server-version.js';
import { displayName } from '../sql-text/quote.js';
import { PreflightError } from '../errors/index.js';
import type { EventListener } from '../events.js';
import { prepareOperation, tablesOf } from '../operations/index.js';
import { combinePlans, type OperationPlan } from '../plan/plan.js';
import { forecastPlan, type PlanForecast } from '../forecast/plan-forecast.js';
import { requireMigratableSchema } from '../preflight/table-checks.js';
import { parseRunOptions, type RunOptions, type RunOptionsInput } from '../settings/run-options.js';
import { workerLimit } from '../settings/worker-count.js';
import { specHash } from '../migration-spec/load-spec.js';
import type { MigrationSpec } from '../migration-spec/migration-spec.js';
import { decide } from '../lifecycle/decide.js';
import { obey } from '../lifecycle/decision.js';
import type { StartFacts } from '../lifecycle/start-rule.js';
import type { Recorded } from '../lifecycle/recorded.js';
import { requirePlannedIndexNamesFree } from '../preflight/planned-index-names.js';
import { continueRecorded } from './continue-migration.js';
import { runUnderLease, type MigrationResult, type PrepareRun } from './run-migration.js';
import { withSession, type ConnectionInput, type Session } from './session.js';

export const minimumServerVersion = 130000;

/**
 * Connections a run may open: one per worker (--concurrency N, or --max-concurrency under auto, at most
 * workerLimit), the lease, the governor's monitor and the ledger. postgres.js opens them lazily, so a
 * run with --concurrency 1 uses a handful.
 */
export const runPoolSize = workerLimit + 4;

export interface StartInput extends ConnectionInput {
  readonly spec: MigrationSpec;
  readonly options?: RunOptionsInput;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventListener;
  /**
   * Let the migration start on a table whose earlier migrations are expanded and await contract
   * (`migrate --expand-only` expands a release's specs one after another; their contracts then run in
   * file order). A migration running, stopped or failed on the table still refuses it.
   */
  readonly stackOnAwaitingContract?: boolean;
  /** The completed migration this one undoes (`online revert`): recorded with its plan, so history links the two. */
  readonly reverts?: string;
}

/** Pre-flight only: checks the spec against the database and returns the plan. Changes nothing. */
export async function planMigration(input: ConnectionInput & { readonly spec: MigrationSpec }): Promise<OperationPlan> {
  return withSession(input, (session) => preflight(session, input.spec));
}

export interface ForecastedPlan {
  readonly plan: OperationPlan;
  /** Absent when the forecast itself failed (`forecastError` says why): the plan stands without it. */
  readonly forecast?: PlanForecast;
  readonly forecastError?: string;
}

/** `plan <file>`: the plan and its forecast against the live catalog (forecast-types.ts). Changes nothing. */
export async function planAndForecast(
  input: ConnectionInput & { readonly spec: MigrationSpec; readonly calibrate?: boolean },
): Promise<ForecastedPlan> {
  return withSession(input, async (session) => {
    const plan = await preflight(session, input.spec);
    try {
      return { plan, forecast: await forecastPlan(session.sql, plan, { calibrate: input.calibrate !== false }) };
    } catch (error) {
      return { plan, forecastError: error instanceof Error ? error.message : String(error) };
    }
  });
}

/**
 * `start --dry-run`: every check a start makes before it changes anything (the options, the name and
 * tables free in the ledger, pre-flight, the throttle query), and the plan. Changes nothing.
 */
export async function dryRunStart(input: Omit<StartInput, 'signal'>): Promise<OperationPlan> {
  const options = parseRunOptions(input.options);
  return withSession(input, async (session) => {
    await mayStart(session, input, undefined);
    const plan = await preflight(session, input.spec);
    await preflightOptions(session, options);
    await mayStart(session, input, plan);
    return plan;
  });
}

export async function startMigration(input: StartInput): Promise<MigrationResult> {
  const options = parseRunOptions(input.options);
  return withSession(
    input,
    async (session) => {
      const name = input.spec.name;
      await mayStart(session, input, undefined);
      const planned = await preflight(session, input.spec);
      const plan = input.reverts === undefined ? planned : { ...planned, reverts: input.reverts };
      await preflightOptions(session, options);
      for (const message of plan.warnings ?? []) session.emit({ type: 'warning', message });
      await session.ledger.ensureSchema();
      const forecast = await forecastForRecord(session, plan);
      const record: PrepareRun = async (s) => {
        await mayStart(s, input, plan);
        await s.ledger.transaction(async (ledger) => {
          await ledger.insertMigration({
            name,
            spec: input.spec,
            specHash: specHash(input.spec),
            plan,
            options,
            tables: tablesTouched(input.spec, plan),
          });
          if (forecast !== undefined) await ledger.recordForecast(name, forecast);
          await ledger.logEvent(name, 'started', { options });
        });
        return { plan, from: 'expand', changedBefore: true };
      };
      return runUnderLease(session, {
        migration: name,
        options,
        signal: input.signal,
        prepare: record,
        // After a reconnect: go on from what was recorded, or record it now if the lost attempt had not.
        prepareAgain: async (s) => (await continueRecorded(s, name, options)) ?? record(s),
      });
    },
    runPoolSize,
  );
}

/** The forecast `history` shows beside the actual run; a failure is a warning, never a failed start. */
async function forecastForRecord(session: Session, plan: OperationPlan): Promise<PlanForecast | undefined> {
  try {
    return await forecastPlan(session.sql, plan);
  } catch (error) {
    session.emit({ type: 'warning', message: `no forecast recorded: ${error instanceof Error ? error.message : String(error)}` });
    return undefined;
  }
}

/** Checks the options that need the database: the throttle query must compile and return a boolean. */
export async function preflightOptions(session: Session, options: RunOptions): Promise<void> {
  if (options.throttleQuery !== null) await checkThrottleQuery(session.sql, options.throttleQuery);
}

async function preflight(session: Session, spec: MigrationSpec): Promise<OperationPlan> {
  const version = await serverVersionNum(session.sql);
  if (version < minimumServerVersion) {
    throw new PreflightError('SERVER_TOO_OLD', `PostgreSQL ${Math.floor(version / 10000)} is not supported; online needs 13 or later`);
  }
  for (const op of spec.operations) for (const table of tablesOf(op)) requireMigratableSchema(table, session.store.schema);
  const plans: OperationPlan[] = [];
  for (const op of spec.operations) plans.push(await prepareOperation({ sql: session.sql, serverVersionNum: version }, op));
  const plan = combinePlans(plans);
  await requirePlannedIndexNamesFree(session.sql, plan);
  return plan;
}

/** Every table the migration changes: the spec's own, and those its plan reaches (cascaded referencing tables). */
function tablesTouched(spec: MigrationSpec, plan: OperationPlan | undefined): string[] {
  const names = [...spec.operations.flatMap((op) => tablesOf(op)), ...(plan?.tables ?? [])].map(displayName);
  return [...new Set(names)];
}

/** Asks the lifecycle whether the spec may be recorded: its name free (or rolled back), its tables not held. */
async function mayStart(session: Session, input: StartInput, plan: OperationPlan | undefined): Promise<void> {
  const { ledger } = session;
  if (!(await ledger.schemaExists())) return;
  const name = input.spec.name;
  const existing: Recorded | undefined = await ledger.migration(name);
  const leaseHeld = existing !== undefined && (await ledger.isLeaseHeld(name));
  const mine = new Set(tablesTouched(input.spec, plan));
  const sharing: StartFacts['sharing'] = (await ledger.migrations()).flatMap((other) => {
    const table = other.tables.find((t) => mine.has(t));
    return other.name === name || table === undefined ? [] : [{ name: other.name, status: other.status, table }];
  });
  const facts: StartFacts = {
    leaseHeld,
    leaseHolder: leaseHeld ? await ledger.leaseHolder(name) : undefined,
    sharing,
    stackOnAwaitingContract: input.stackOnAwaitingContract === true,
  };
  obey(decide('start', existing, facts));
}
