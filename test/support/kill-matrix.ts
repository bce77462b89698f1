// The crash-exactness harness. A lifecycle call (start, complete, rollback) runs in a process of its own
// and is killed with SIGKILL just before statement K, for every K that follows a statement which
// committed something; then the recovery a user would run goes on from what the kill left:
//   forward   after a killed start: resume (or start, when nothing was recorded yet); the database
//             must equal an uninterrupted start's, schema and every row, and the ledger too (status,
//             steps, each backfill range's rows counted once). After a killed complete: complete; the
//             database must equal an uninterrupted complete's. (Complete from an uninterrupted
//             start's state is what the complete kills begin with, so it is covered there.)
//   rollback  rollback; the database must equal the original, byte for byte. Past the point of no
//             return rollback must refuse (exit 2, nothing changed), and complete must then finish.
// Killing after a statement that committed nothing (a read, or any statement inside a transaction the
// kill rolls back) leaves the same database as killing after the last commit before it, so those kill
// points add nothing; ONLINE_KILL_MATRIX=full tries every statement anyway.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { inject } from 'vitest';
import { readDatabaseState, type DatabaseState } from './database-state.js';
import { runLifecycleCall, type LifecycleCall as DriverCall } from './lifecycle-call.js';

const driverPath = fileURLToPath(new URL('../../build/test/support/lifecycle-driver.js', import.meta.url));

export interface LifecycleScenario {
  /** Short, lower-case: part of database names. */
  readonly name: string;
  /** SQL that creates the tables and rows the migration changes. */
  readonly setup: string;
  /** The migration spec, with a `name`. */
  readonly spec: { readonly name: string; readonly operations: readonly unknown[] };
  /** Run options of `start` (small fixed batches make several batches out of a small table). */
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface LoggedStatement {
  readonly n: number;
  readonly connection: number;
  readonly sql: string;
}

export interface DriverOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: { readonly code: string; readonly message: string; readonly exitCode: number };
}

/** The statement numbers after which the database holds a newly committed state. */
export function commitPoints(log: readonly LoggedStatement[]): number[] {
  const inTransaction = new Set<number>();
  const points: number[] = [];
  for (const statement of log) {
    const text = statement.sql.trim().toLowerCase();
    if (/^(begin|start transaction)\b/.test(text)) inTransaction.add(statement.connection);
    else if (/^(commit|end)\b/.test(text)) {
      inTransaction.delete(statement.connection);
      points.push(statement.n);
    } else if (/^(rollback|abort)\b/.test(text)) inTransaction.delete(statement.connection);
    else if (!inTransaction.has(statement.connection) && !/^(select|show|set|reset)\b/.test(text)) points.push(statement.n);
  }
  return points;
}

/** Kill points (kill just before statement K) for a reference run's log. */
export function killPoints(log: readonly LoggedStatement[]): number[] {
  if (process.env.ONLINE_KILL_MATRIX === 'full') return log.slice(1).map((s) => s.n);
  return commitPoints(log)
    .map((n) => n + 1)
    .filter((k) => k <= (log.at(-1)?.n ?? 0));
}

/** Runs one lifecycle call in its own process, optionally killed before statement `killAt`. */
export async function runDriver(
  call: DriverCall,
  hooks: { readonly killAt?: number; readonly logFile?: string } = {},
): Promise<DriverOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.ONLINE_DEBUG_SQL;
  if (hooks.killAt !== undefined) env.ONLINE_DEBUG_KILL_AT_STATEMENT = String(hooks.killAt);
  if (hooks.logFile !== undefined) env.ONLINE_DEBUG_STATEMENT_LOG = hooks.logFile;
  const child = spawn(process.execPath, [driverPath, JSON.stringify(call)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve([c, s]));
  });
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  const parsed = line === undefined ? undefined : (JSON.parse(line) as { error?: DriverOutcome['error'] });
  if (signal === null && line === undefined) throw new Error(`the lifecycle driver printed nothing (exit ${code}): ${stderr}`);
  return { code, signal, ...(parsed?.error === undefined ? {} : { error: parsed.error }) };
}

/** A recovery runs in this process: only the run to be killed needs a process of its own. */
async function inProcess(call: DriverCall): Promise<DriverOutcome> {
  const outcome = await runLifecycleCall(call);
  return { code: outcome.code, signal: null, ...(outcome.error === undefined ? {} : { error: outcome.error }) };
}

export async function readStatementLog(file: string): Promise<LoggedStatement[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LoggedStatement);
}

/** Databases on the test server, made from a template or from SQL, each dropped by `dropAll`. */
export class ScratchDatabases {
  readonly #admin = postgres(inject('pgAdminUrl'), { max: 1, onnotice: () => undefined });
  readonly #made: string[] = [];

  url(name: string): string {
    const url = new URL(inject('pgAdminUrl'));
    url.pathname = `/${name}`;
    return url.toString();
  }

  async fromSql(prefix: string, setup: string): Promise<string> {
    const name = await this.#create(prefix, undefined);
    const sql = postgres(this.url(name), { max: 1, onnotice: () => undefined });
    try {
      await sql.unsafe(setup);
    } finally {
      await sql.end({ timeout: 5 });
    }
    return name;
  }

  /** A copy of `template`, once no session is left on it (a killed run's backends finish first). */
  async copyOf(template: string, prefix: string): Promise<string> {
    await this.waitUntilIdle(template);
    return this.#create(prefix, template);
  }

  /** Waits until no session but ours is connected: a killed client's backend ends on its own. */
  async waitUntilIdle(name: string): Promise<void> {
    for (let polls = 0; ; polls++) {
      const [row] = await this.#admin<
        { n: number }[]
      >`select count(*)::int as n from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
      if (row?.n === 0) return;
      if (polls > 1200) throw new Error(`sessions are still connected to ${name} after a minute`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async drop(name: string): Promise<void> {
    await this.#admin.unsafe(`drop database if exists "${name}" with (force)`);
  }

  async dropAll(): Promise<void> {
    for (const name of this.#made) await this.drop(name);
    await this.#admin.end({ timeout: 5 });
  }

  async #create(prefix: string, template: string | undefined): Promise<string> {
    const name = `${prefix}_${randomBytes(3).toString('hex')}`.slice(0, 63);
    await this.#admin.unsafe(`create database "${name}"${template === undefined ? '' : ` template "${template}"`}`);
    this.#made.push(name);
    return name;
  }
}

/** What one kill point did and what was found wrong afterwards (empty: nothing). */
export interface KillPointResult {
  readonly phase: 'start' | 'complete' | 'rollback';
  readonly killAt: number;
  /** The statement the reference run sent at K, for the report. */
  readonly before: string;
  readonly killed: boolean;
  readonly problems: readonly string[];
}

/** The states an uninterrupted lifecycle goes through, and the logs that give the kill points. */
export interface ReferenceRun {
  readonly original: DatabaseState;
  /** After an uninterrupted start, with its ledger. */
  readonly startedState: DatabaseState;
  readonly startedLedger: LedgerSummary;
  readonly final: DatabaseState;
  /** The database right after an uninterrupted start (a template for complete and rollback kills). */
  readonly started: string;
  readonly original_db: string;
  readonly logs: Readonly<Record<KillPointResult['phase'], readonly LoggedStatement[]>>;
}

export class KillMatrix {
  readonly #dbs = new ScratchDatabases();
  #logDir: string | undefined;

  constructor(readonly scenario: LifecycleScenario) {}

  async reference(): Promise<ReferenceRun> {
    this.#logDir = await mkdtemp(join(tmpdir(), 'online-kill-'));
    const s = this.scenario;
    const original = await this.#dbs.fromSql(`km_${s.name}_orig`, s.setup);
    const originalState = await readDatabaseState(this.#dbs.url(original));
    const logs = { start: [] as LoggedStatement[], complete: [] as LoggedStatement[], rollback: [] as LoggedStatement[] };

    const started = await this.#dbs.copyOf(original, `km_${s.name}_started`);
    logs.start = await this.#logged('start', started, 'start');
    const startedState = await readDatabaseState(this.#dbs.url(started));
    const startedLedger = await ledgerSummary(this.#dbs.url(started), s.spec.name);
    const completed = await this.#dbs.copyOf(started, `km_${s.name}_final`);
    logs.complete = await this.#logged('complete', completed, 'complete');
    const final = await readDatabaseState(this.#dbs.url(completed));
    const rolledBack = await this.#dbs.copyOf(started, `km_${s.name}_rb`);
    logs.rollback = await this.#logged('rollback', rolledBack, 'rollback');
    const afterRollback = await readDatabaseState(this.#dbs.url(rolledBack));
    if (JSON.stringify(afterRollback) !== JSON.stringify(originalState))
      throw new Error(`an uninterrupted rollback of ${s.name} does not restore the original`);
    await this.#dbs.drop(completed);
    await this.#dbs.drop(rolledBack);
    return { original: originalState, startedState, startedLedger, final, started, original_db: original, logs };
  }

  /** Kills `phase` at every kill point of the reference log and checks both recoveries. */
  async run(reference: ReferenceRun, phase: KillPointResult['phase']): Promise<KillPointResult[]> {
    const log = reference.logs[phase];
    const points = killPoints(log);
    const results: KillPointResult[] = [];
    // Two kill points at a time: each mostly waits for processes to start and for the server.
    const next = async (): Promise<void> => {
      for (let killAt = points.shift(); killAt !== undefined; killAt = points.shift()) {
        const before =
          log
            .find((l) => l.n === killAt)
            ?.sql.replace(/\s+/g, ' ')
            .trim()
            .slice(0, 120) ?? '(past the end)';
        results.push({ phase, killAt, before, ...(await this.#killAndRecover(reference, phase, killAt)) });
      }
    };
    await Promise.all([next(), next()]);
    return results.sort((a, b) => a.killAt - b.killAt);
  }

  async close(): Promise<void> {
    await this.#dbs.dropAll();
    if (this.#logDir !== undefined) await rm(this.#logDir, { recursive: true, force: true });
  }

  async #killAndRecover(
    reference: ReferenceRun,
    phase: KillPointResult['phase'],
    killAt: number,
  ): Promise<{ killed: boolean; problems: string[] }> {
    const s = this.scenario;
    const from = phase === 'start' ? reference.original_db : reference.started;
    const killedDb = await this.#dbs.copyOf(from, `km_${s.name}_${phase}${killAt}`);
    const outcome = await runDriver(this.#call(phase, killedDb), { killAt });
    const killed = outcome.signal === 'SIGKILL';
    const problems: string[] = [];
    if (!killed && outcome.code !== 0) problems.push(`the run to be killed failed by itself: ${describe(outcome)}`);
    // Both recoveries start from the same leftovers: a copy (taken once the killed backends are gone).
    const twin = await this.#dbs.copyOf(killedDb, `km_${s.name}_${phase}${killAt}_rb`);
    // A kill after the contract's last commit leaves the migration finished: rollback must not undo it.
    // (Only knowable from the schema when contract changes it: a create-index's contract is empty.)
    const contractChangesSchema = stateDifferences(reference.final, reference.startedState).length > 0;
    const finished =
      phase === 'complete' &&
      contractChangesSchema &&
      stateDifferences(reference.final, await readDatabaseState(this.#dbs.url(twin))).length === 0;
    if (phase !== 'rollback') problems.push(...(await this.#recoverForward(killedDb, phase, reference)));
    problems.push(...(await this.#recoverByRollback(twin, phase, reference, finished)));
    await this.#dbs.drop(killedDb);
    await this.#dbs.drop(twin);
    return { killed, problems };
  }

  /** resume (or start, when the kill came before anything was recorded), or complete: the uninterrupted run's end state. */
  async #recoverForward(database: string, phase: KillPointResult['phase'], reference: ReferenceRun): Promise<string[]> {
    if (phase === 'start') {
      let resumed = await inProcess(this.#call('resume', database));
      if (resumed.error?.code === 'MIGRATION_NOT_FOUND') resumed = await inProcess(this.#call('start', database));
      const finishedBackfill = resumed.error?.code === 'INVALID_STATE' && /finished its backfill/.test(resumed.error.message);
      if (resumed.code !== 0 && !finishedBackfill) return [`forward: resume/start failed: ${describe(resumed)}`];
      const problems = await this.#compare('forward', database, reference.startedState, undefined);
      const ledger = await ledgerSummary(this.#dbs.url(database), this.scenario.spec.name);
      if (JSON.stringify(ledger) !== JSON.stringify(reference.startedLedger)) {
        problems.push(
          `forward: the ledger differs from an uninterrupted start's: ${JSON.stringify(ledger)} vs ${JSON.stringify(reference.startedLedger)}`,
        );
      }
      return problems;
    }
    const completed = await inProcess(this.#call('complete', database));
    if (completed.code !== 0) return [`forward: complete failed: ${describe(completed)}`];
    return this.#compare('forward', database, reference.final, 'completed');
  }

  /** rollback: the original, byte for byte; or, past the point of no return, a refusal and then complete. */
  async #recoverByRollback(
    database: string,
    phase: KillPointResult['phase'],
    reference: ReferenceRun,
    finished: boolean,
  ): Promise<string[]> {
    const rolledBack = await inProcess(this.#call('rollback', database));
    if (rolledBack.code === 0 && finished)
      return ['rollback undid a migration whose contract had finished (the kill came after its last commit)'];
    if (rolledBack.code === 0) return this.#compare('rollback', database, reference.original, 'rolled_back');
    if (rolledBack.error?.code === 'MIGRATION_NOT_FOUND')
      return this.#compare('rollback (nothing recorded)', database, reference.original, undefined);
    if (
      phase === 'complete' &&
      rolledBack.error?.code === 'INVALID_STATE' &&
      /point of no return|is completed/.test(rolledBack.error.message)
    ) {
      const changed = await this.#compare('refused rollback', database, undefined, undefined);
      const completed = await inProcess(this.#call('complete', database));
      if (completed.code !== 0) return [...changed, `complete after the refused rollback failed: ${describe(completed)}`];
      return this.#compare('complete after the refused rollback', database, reference.final, 'completed');
    }
    return [`rollback failed: ${describe(rolledBack)}`];
  }

  /** Differences between the database and `expected` (schema and rows), and its ledger status. */
  async #compare(what: string, database: string, expected: DatabaseState | undefined, status: string | undefined): Promise<string[]> {
    const problems: string[] = [];
    const url = this.#dbs.url(database);
    if (expected !== undefined) {
      const actual = await readDatabaseState(url);
      for (const difference of stateDifferences(expected, actual)) problems.push(`${what}: ${difference}`);
    }
    if (status !== undefined) {
      const recorded = await ledgerStatus(url, this.scenario.spec.name);
      if (recorded !== status) problems.push(`${what}: the ledger says ${recorded ?? 'nothing'}, expected ${status}`);
    }
    return problems;
  }

  #call(command: DriverCall['command'], database: string): DriverCall {
    return {
      command,
      databaseUrl: this.#dbs.url(database),
      migration: this.scenario.spec.name,
      ...(command === 'start' ? { spec: this.scenario.spec, options: { ...this.scenario.options } } : {}),
    };
  }

  async #logged(command: DriverCall['command'], database: string, file: string): Promise<LoggedStatement[]> {
    const logFile = join(this.#logDir ?? tmpdir(), `${file}.log`);
    const outcome = await runDriver(this.#call(command, database), { logFile });
    if (outcome.code !== 0)
      throw new Error(`the uninterrupted ${command} of ${this.scenario.name} failed: ${outcome.error?.message ?? `exit ${outcome.code}`}`);
    return readStatementLog(logFile);
  }
}

function describe(outcome: DriverOutcome): string {
  if (outcome.signal !== null) return `killed by ${outcome.signal}`;
  return `exit ${outcome.code}${outcome.error === undefined ? '' : ` ${outcome.error.code}: ${outcome.error.message}`}`;
}

/** Human-readable differences, table by table: what the expected state has that the actual lacks, and the reverse. */
export function stateDifferences(expected: DatabaseState, actual: DatabaseState): string[] {
  const out: string[] = [];
  const tables = new Set([...Object.keys(expected.tables), ...Object.keys(actual.tables)]);
  for (const table of tables) {
    const e = expected.tables[table];
    const a = actual.tables[table];
    if (e === undefined || a === undefined) {
      out.push(`table ${table} ${e === undefined ? 'should not exist' : 'is missing'}`);
      continue;
    }
    for (const key of ['columns', 'constraints', 'indexes', 'triggers'] as const)
      out.push(...listDifferences(`${table} ${key}`, e[key], a[key]));
    if (e.rows !== a.rows || e.rowsHash !== a.rowsHash) out.push(`${table} rows differ (${a.rows} rows, expected ${e.rows})`);
  }
  out.push(
    ...listDifferences('functions', expected.functions, actual.functions),
    ...listDifferences('sequences', expected.sequences, actual.sequences),
  );
  return out;
}

function listDifferences(what: string, expected: readonly string[], actual: readonly string[]): string[] {
  const missing = expected.filter((x) => !actual.includes(x));
  const extra = actual.filter((x) => !expected.includes(x));
  const order =
    missing.length === 0 && extra.length === 0 && expected.join('\n') !== actual.join('\n')
      ? [`${what} in another order: ${actual.join('; ')}`]
      : [];
  return [...missing.map((x) => `${what}: missing ${x}`), ...extra.map((x) => `${what}: unexpected ${x}`), ...order];
}

async function ledgerStatus(url: string, migration: string): Promise<string | undefined> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const [exists] = await sql<{ ok: boolean }[]>`select to_regclass('online_migrate.migrations') is not null as ok`;
    if (exists?.ok !== true) return undefined;
    const [row] = await sql<{ status: string }[]>`select status from online_migrate.migrations where name = ${migration}`;
    return row?.status;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** What the ledger says of a migration, without timestamps: status, phase, recorded steps, each range's cursor. */
export interface LedgerSummary {
  readonly status: string | undefined;
  readonly phase: string | undefined;
  readonly steps: readonly string[];
  readonly cursors: readonly string[];
}

async function ledgerSummary(url: string, migration: string): Promise<LedgerSummary> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const [row] = await sql<
      { status: string; phase: string }[]
    >`select status, phase from online_migrate.migrations where name = ${migration}`;
    const steps = await sql<
      { s: string }[]
    >`select phase || '#' || step_index as s from online_migrate.steps where migration = ${migration} order by 1`;
    const cursors = await sql<{ c: string }[]>`
      select format('%s#%s done=%s rows=%s position=%s', task, range_index, done, rows_done, position) as c
      from online_migrate.backfill_cursors where migration = ${migration} order by 1`;
    return { status: row?.status, phase: row?.phase, steps: steps.map((r) => r.s), cursors: cursors.map((r) => r.c) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
