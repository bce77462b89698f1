// The safety suite: every operation's lifecycle under an application that knows nothing of it, with
// faults injected, against one shared schema (a bank: accounts, and a keyless history ledger).
//
// Workload, all at once, from their own connections (test/support/account-workload.ts plus the
// single-table writers here):
//   - transactions touching accounts and history in both orders (update then log; log then update);
//   - hot rows: a few accounts take most of those transactions, from several sessions;
//   - single-table writes: accounts inserted, updated and deleted;
//   - a long transaction holding ROW EXCLUSIVE on accounts (an insert it keeps open) for far longer
//     than lock_timeout while contract takes its strong locks.
// Faults: the CLI is killed (SIGKILL) right after its first step or batch of start and of complete;
// the runs that follow (resume, start again after the rollback, complete again) have every backend
// terminated (pg_terminate_backend) at their first batch or step, and must reconnect and finish.
// Afterwards: zero writer errors of any kind; the ledger balances (no transaction lost or applied
// twice); the operation's own check of the rows; the schema exactly as an uninterrupted run without
// writers leaves it; and no writer waited anywhere near as long as the lock holder held its lock (the
// contrast a busy machine cannot blur). Rows counted exactly once is proven where it can be counted:
// without writers inserting into the range (kill-matrix.test.ts, connection-loss.test.ts).
//
// ONLINE_SAFETY_SOAK=<rounds> is the long soak: every case that many times, with twice the sessions in
// each lock order, more hot sessions and more row writers (the default run stays within CI's time).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startAccountWorkload, ledgerProblems, type AccountWorkloadReport } from './account-workload.js';
import { startWriterLoops, type ConcurrentWriters, type WriterReport } from './concurrent-writers.js';
import { readDatabaseState, type DatabaseState } from './database-state.js';
import { runCli } from './run-cli.js';
import { watchCli, type Event, type WatchedRun } from './watched-cli.js';

/** The schema every case starts from; ids and n are equal for the seeded accounts (1…seeded). */
export const seeded = 300;
export const bankSchema = `
  create table accounts (id serial primary key, n int not null unique, balance bigint not null default 0,
                         note text not null default 'n', score int, legacy text, code int);
  insert into accounts (n, note, code, legacy) select g, 'note ' || g, g, 'legacy ' || g from generate_series(1, ${seeded}) g;
  create table history (account_id int not null, amount int not null, at timestamptz not null default now());
  create index history_account_idx on history (account_id);`;

export interface SafetyCase {
  readonly name: string;
  /** SQL run after the bank schema. */
  readonly setup?: string;
  readonly spec: { readonly name: string; readonly operations: readonly unknown[] };
  /** A query returning the number of rows that are wrong once the migration completed. */
  readonly wrongRows?: string;
}

const lockTimeout = '500ms';
/** How long the application's long transaction holds its row lock during contract. */
export const holderMs = 6_000;
/** Writers must never wait anywhere near the holder: our DDL queues behind it at most lock_timeout a time. */
export const worstWaitBoundMs = holderMs / 2;

const runFlags = [
  '--lock-timeout',
  lockTimeout,
  '--lock-retries',
  '200',
  '--batch-size',
  '50',
  '--min-batch-size',
  '50',
  '--max-batch-size',
  '50',
  '--json',
];

export interface SafetyOutcome {
  readonly writerErrors: readonly string[];
  readonly ledger: readonly string[];
  readonly wrongRows: number;
  readonly worstWaitMs: number;
  readonly faults: readonly string[];
  readonly transactions: number;
  /** The schema at the end (see schemaOf), to compare with an uninterrupted run's. */
  readonly schema: unknown;
}

/** The schema an uninterrupted run without writers leaves: rows and sequence positions left out. */
export function schemaOf(state: DatabaseState): unknown {
  return {
    tables: Object.fromEntries(
      Object.entries(state.tables).map(([name, t]) => [
        name,
        { columns: t.columns, constraints: t.constraints, indexes: t.indexes, triggers: t.triggers },
      ]),
    ),
    functions: state.functions,
    sequences: state.sequences.map((s) => s.replace(/ last=\S*/, '')),
  };
}

/** Single-table application writes on accounts: inserts, updates and deletes of its own rows. */
function startAccountRowWriters(url: string, sessions: number): ConcurrentWriters {
  const mine: number[][] = Array.from({ length: sessions }, () => []);
  return startWriterLoops(
    url,
    sessions,
    async (sql, session, i) => {
      const own = mine[session] ?? [];
      if (i % 3 === 0 || own.length === 0) {
        // Every column a migration may make NOT NULL is written: the application is the new version.
        const n = 100_000 * (session + 1) + i;
        const [row] = await sql<{ id: number }[]>`insert into accounts (n, note, code, score) values (${n}, 'app', ${n}, 0) returning id`;
        if (row !== undefined) own.push(row.id);
      } else if (i % 3 === 1) {
        await sql`update accounts set note = ${`app ${i}`} where id = ${own[own.length - 1] ?? 0}`;
      } else {
        await sql`delete from accounts where id = ${own.shift() ?? 0}`;
      }
    },
    3,
  );
}

/**
 * The application's long transaction: it inserts an account of its own (ROW EXCLUSIVE on accounts, the
 * lock every strong DDL conflicts with) and keeps the transaction open for holderMs, then rolls back.
 * No other writer touches its row, so whoever waits on it waits on the table lock alone.
 */
function holdAccountsTable(url: string): { readonly held: Promise<void>; readonly done: Promise<void> } {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  let signalHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (signalHeld = resolve));
  const done = (async () => {
    const conn = await sql.reserve();
    try {
      await conn`begin`;
      await conn`insert into accounts (n, note, code, score) values (999999, 'holder', 999999, 0)`;
      signalHeld();
      // Kept: the transaction held open this long is the fault under test, not a wait.
      await new Promise((resolve) => setTimeout(resolve, holderMs));
      await conn`rollback`;
    } finally {
      conn.release();
      await sql.end({ timeout: 5 });
    }
  })();
  return { held, done };
}

const isProgress = (e: Event): boolean => (e.type === 'step' && e.skipped === false) || e.type === 'batch';

/** Runs a CLI command, SIGKILLs it at its first step or batch (if it gets that far), and says what happened. */
async function killedAtFirstProgress(args: readonly string[], url: string): Promise<string> {
  const run = watchCli(args, url);
  const first = await Promise.race([
    run.until((events) => events.some(isProgress), 120_000).then(() => 'progress' as const),
    run.exited.then(() => 'exited' as const),
  ]);
  if (first === 'exited') return `${args[0]}: finished before any step or batch`;
  const done = run.events().find(isProgress);
  run.child.kill('SIGKILL');
  await run.exited;
  return `${args[0]}: killed after ${done?.type === 'batch' ? 'a batch' : `step "${String(done?.description)}"`}`;
}

/** Runs a CLI command and terminates every backend of online's at its first step or batch; it must reconnect and finish. */
async function terminatedAtFirstProgress(
  args: readonly string[],
  url: string,
  admin: postgres.Sql,
): Promise<{ run: WatchedRun; fault: string }> {
  const run = watchCli(args, url);
  const first = await Promise.race([
    run.until((events) => events.some(isProgress), 120_000).then(() => 'progress' as const),
    run.exited.then(() => 'exited' as const),
  ]);
  if (first === 'exited') return { run, fault: `${args[0]}: finished before any step or batch` };
  const victims = await admin<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = current_database() and application_name = 'online' and pid <> pg_backend_pid()`;
  for (const v of victims) await admin`select pg_terminate_backend(${v.pid})`;
  return { run, fault: `${args[0]}: ${victims.length} backends terminated` };
}

async function expectExit(run: Promise<{ code: number | null; stdout: string; stderr: string }> | WatchedRun, what: string): Promise<void> {
  if ('child' in run) {
    const { code } = await run.exited;
    if (code !== 0) throw new Error(`${what} exited ${code}: ${run.stderr()} ${JSON.stringify(run.events().slice(-2))}`);
    return;
  }
  const result = await run;
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.stderr}${result.stdout.slice(-500)}`);
}

/**
 * The whole lifecycle under the workload, with the faults: start killed, resume with its backends
 * terminated, rollback, start, complete killed while the holder holds its lock, complete again.
 */
export interface SafetyLoad {
  readonly sessionsPerOrder: number;
  readonly hotSessions: number;
  readonly rowWriters: number;
}

export const defaultLoad: SafetyLoad = { sessionsPerOrder: 2, hotSessions: 2, rowWriters: 2 };
export const soakLoad: SafetyLoad = { sessionsPerOrder: 4, hotSessions: 4, rowWriters: 4 };

/** ONLINE_SAFETY_SOAK: how many rounds of every case (1 without it). */
export function soakRounds(value = process.env.ONLINE_SAFETY_SOAK): number {
  if (value === undefined || value === '') return 1;
  const rounds = Number(value);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`ONLINE_SAFETY_SOAK=${value}: give a number of rounds, 1 or more`);
  return rounds;
}

export async function runSafetyCase(c: SafetyCase, url: string, load: SafetyLoad = defaultLoad): Promise<SafetyOutcome> {
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  const faults: string[] = [];
  const { dir, file } = await writeSpec(c);
  const accounts = startAccountWorkload(url, {
    sessionsPerOrder: load.sessionsPerOrder,
    hotSessions: load.hotSessions,
    accounts: seeded,
    hotAccounts: 3,
  });
  const rows = startAccountRowWriters(url, load.rowWriters);
  let report: AccountWorkloadReport | undefined;
  let rowReport: WriterReport | undefined;
  try {
    await accounts.waitForTransactions(20);
    faults.push(await killedAtFirstProgress(['start', file, ...runFlags], url));
    await admin`select 1`;
    const resumed = await resumeOrStart(c, file, url, admin);
    faults.push(resumed.fault);
    // The kill may come after the backfill finished: resume then says so, and that is right.
    const { code } = await resumed.run.exited;
    const finishedBackfill = code === 2 && JSON.stringify(resumed.run.events().at(-1)).includes('has finished its backfill');
    if (code !== 0 && !finishedBackfill) await expectExit(resumed.run, 'resume after the kill');
    await expectExit(runCli(['rollback', c.spec.name], url), 'rollback');
    const again = await terminatedAtFirstProgress(['start', file, ...runFlags], url, admin);
    faults.push(`again: ${again.fault}`);
    await expectExit(again.run, 'start again');
    const holder = holdAccountsTable(url);
    await holder.held;
    faults.push(await killedAtFirstProgress(['complete', c.spec.name, '--json'], url));
    const last = await terminatedAtFirstProgress(['complete', c.spec.name, '--json'], url, admin);
    faults.push(`again: ${last.fault}`);
    await expectExit(last.run, 'complete after the kill');
    await holder.done;
    await accounts.waitForTransactions(20);
  } finally {
    report = await accounts.stop();
    rowReport = await rows.stop();
    await rm(dir, { recursive: true, force: true });
  }
  try {
    const [wrong] = c.wrongRows === undefined ? [{ n: 0 }] : await admin.unsafe<{ n: number }[]>(c.wrongRows);
    return {
      writerErrors: [...report.errors, ...rowReport.errors.map((e) => `row writer: ${e}`)],
      ledger: await ledgerProblems(admin, report.transactions),
      wrongRows: wrong?.n ?? 0,
      schema: schemaOf(await readDatabaseState(url)),
      worstWaitMs: Math.max(report.worstWaitMs, rowReport.maxLatencyMs),
      faults,
      transactions: report.transactions,
    };
  } finally {
    await admin.end({ timeout: 5 });
  }
}

async function resumeOrStart(c: SafetyCase, file: string, url: string, admin: postgres.Sql): Promise<{ run: WatchedRun; fault: string }> {
  const [recorded] = await admin<{ n: number }[]>`
    select count(*)::int as n from pg_tables t where t.schemaname = 'online_migrate' and t.tablename = 'migrations'`;
  const exists =
    recorded?.n === 1 &&
    (await admin<{ n: number }[]>`select count(*)::int as n from online_migrate.migrations where name = ${c.spec.name}`)[0]?.n === 1;
  return terminatedAtFirstProgress(exists ? ['resume', c.spec.name, '--json'] : ['start', file, ...runFlags], url, admin);
}

/** The schema after an uninterrupted start and complete, without writers or faults. */
export async function referenceSchema(c: SafetyCase, url: string): Promise<unknown> {
  const { dir, file } = await writeSpec(c);
  try {
    await expectExit(runCli(['start', file, '--complete', ...runFlags.filter((f) => f !== '--json')], url), 'the uninterrupted run');
    return schemaOf(await readDatabaseState(url));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function writeSpec(c: SafetyCase): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'online-safety-'));
  const file = join(dir, `${c.spec.name}.json`);
  await writeFile(file, JSON.stringify(c.spec));
  return { dir, file };
}
