// The application stand-in of a rehearsal: on its own connections, one loop per touched table of small
// transactions, each an UPDATE of a random existing row (a column set to itself, so the migration's
// update triggers fire), under a lock_timeout of a few seconds so a writer stuck behind the migration is
// recorded as a wait (and, past it, an error), never a hang. It inserts only to give an empty table (a
// schema-only copy) a few rows first: rows of made-up values written during the run could break what
// the migration checks of the data (a partition's bound, a column about to be unique), which the
// application's own rows would not; an UPDATE takes the same ROW EXCLUSIVE lock an INSERT does.
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, errorMessage, sqlState, type Sql } from '../db/connect.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { rehearsalApplicationPrefix } from './lock-poller.js';
import { describeWriterTable, type WriterTable } from './writer-tables.js';

export interface WriterError {
  readonly table: string;
  readonly sqlState: string | null;
  readonly message: string;
}

export interface WriterTableReport {
  readonly table: string;
  readonly updates: number;
  /** Rows inserted first because the table was empty (a copy without --sample). */
  readonly seeded: number;
  /** What the writer could not do on this table, and why. */
  readonly notes: readonly string[];
}

export interface WriterReport {
  readonly lockTimeoutMs: number;
  readonly tables: readonly WriterTableReport[];
  readonly errors: readonly WriterError[];
  /** The longest write transaction, wall clock: how long a writer waited behind the migration at worst. */
  readonly worstWaitMs: number;
}

export interface SyntheticWriter {
  stop(): Promise<WriterReport>;
}

export interface WriterOptions {
  readonly lockTimeoutMs?: number;
  /** Column names the migration's specs mention: the writer prefers to update another one. */
  readonly namedBySpec?: ReadonlySet<string>;
  readonly pauseMs?: number;
}

const seedRows = 20;
/** Undefined table or column: the migration dropped or renamed what an unaware writer used. */
const schemaMoved = new Set(['42P01', '42703']);

export async function startSyntheticWriter(
  copyUrl: string,
  tables: readonly QualifiedName[],
  options: WriterOptions = {},
): Promise<SyntheticWriter> {
  const lockTimeoutMs = options.lockTimeoutMs ?? 3_000;
  const sql = await connect(copyUrl, { max: Math.max(1, tables.length), applicationName: `${rehearsalApplicationPrefix} writer` });
  const errors: WriterError[] = [];
  let worstWaitMs = 0;
  let running = true;
  const loops = await Promise.all(
    tables.map(async (table) => {
      const report = { table: displayName(table), updates: 0, seeded: 0, notes: [] as string[] };
      const target = await seedIfEmpty(sql, await describeWriterTable(sql, table, options.namedBySpec ?? new Set()), report);
      const loop = async (): Promise<void> => {
        while (running) {
          const statement = updateStatement(target);
          if (statement === null) {
            report.notes.push('no row to update: not written');
            return;
          }
          const started = performance.now();
          try {
            await sql.begin(async (tx) => {
              await tx.unsafe(`set local lock_timeout = ${lockTimeoutMs}`);
              await tx.unsafe(statement);
            });
            report.updates++;
          } catch (error) {
            const state = sqlState(error) ?? null;
            if (state !== null && schemaMoved.has(state)) {
              report.notes.push(`stopped writing: ${errorMessage(error)} (the migration changed what an unaware writer used)`);
              return;
            }
            errors.push({ table: report.table, sqlState: state, message: errorMessage(error) });
          }
          worstWaitMs = Math.max(worstWaitMs, performance.now() - started);
          await sleep(options.pauseMs ?? 5);
        }
      };
      return { report, done: loop() };
    }),
  );
  return {
    async stop() {
      running = false;
      await Promise.all(loops.map((l) => l.done));
      await sql.end({ timeout: 5 });
      return { lockTimeoutMs, tables: loops.map((l) => l.report), errors, worstWaitMs: Math.round(worstWaitMs) };
    },
  };
}

function updateStatement(target: WriterTable): string | null {
  if (target.updateColumn === null) return null;
  const table = quoteQualified(target.table);
  const column = quoteIdent(target.updateColumn);
  // A random row among the first few hundred: cheap on any size of copy.
  return `update ${table} set ${column} = ${column} where ctid = (select ctid from ${table} offset floor(random() * 200) limit 1)`;
}

/** An empty table (a schema-only copy) gets a few rows first, so updates have something to touch. */
async function seedIfEmpty(sql: Sql, target: WriterTable, report: { seeded: number; notes: string[] }): Promise<WriterTable> {
  const [row] = await sql.unsafe<{ empty: boolean }[]>(`select not exists (select from ${quoteQualified(target.table)}) as empty`);
  if (row?.empty !== true) return target;
  if (target.insert === null) {
    report.notes.push(`empty and cannot insert (${target.cannotInsert ?? 'unknown'}): nothing to update`);
    return { ...target, updateColumn: null };
  }
  try {
    for (let i = 0; i < seedRows; i++) await sql.unsafe(target.insert);
    report.seeded = seedRows;
    return target;
  } catch (error) {
    report.notes.push(`empty, and inserting made-up values failed (${errorMessage(error)}): not written`);
    return { ...target, updateColumn: null, insert: null, cannotInsert: errorMessage(error) };
  }
}
