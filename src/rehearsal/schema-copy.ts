// Recreates the target's schema in a rehearsal's copy from the catalog, without pg_dump: every object
// is written by PostgreSQL's own deparsers (pg_get_indexdef, pg_get_constraintdef, pg_get_functiondef …)
// in one read-only, repeatable-read snapshot of the target that takes no lock stronger than ACCESS SHARE.
// Optionally copies a sample of each table's rows (see sample-rows.ts).
import type { Sql, TransactionSql } from '../db/connect.js';
import { errorMessage } from '../db/connect.js';
import { RehearsalCopyError } from '../errors/index.js';
import { displayName } from '../sql-text/quote.js';
import { defaultStateSchema } from '../state/state-store.js';
import { copySampleRows } from './sample-rows.js';
import { constraintStatements, indexStatements, statisticsStatements } from './schema-copy-constraints.js';
import { functionStatements, triggerStatements } from './schema-copy-routines.js';
import { StatementRunner, type CopiedKind, type CopyStatement, type SkippedObject } from './schema-copy-statements.js';
import { readTables, sequenceStatements, sequenceValueStatements, type CopiedTable } from './schema-copy-tables.js';
import { copiedSchemas, extensionStatements, schemaStatements, typeStatements } from './schema-copy-types.js';
import { viewStatements } from './schema-copy-views.js';

export type { CopiedKind, SkippedObject } from './schema-copy-statements.js';

export interface CopySchemaOptions {
  /** Only these schemas (default: every user schema but online's state schema). */
  readonly schemas?: readonly string[];
  /** Copy this fraction (0 < sample ≤ 1) of each table's rows; without it the copy's tables are empty. */
  readonly sample?: number;
  /** online's own ledger schema, never copied (default online_migrate). */
  readonly stateSchema?: string;
  /** statement_timeout of every read of the target, a sample's COPY included (default 5min). */
  readonly statementTimeout?: string;
}

export interface SampledTable {
  readonly table: string;
  readonly rows: number;
}

export interface SchemaCopyReport {
  readonly schemas: readonly string[];
  /** Objects created in the copy, per kind. */
  readonly copied: Readonly<Record<CopiedKind, number>>;
  /** What the copy lacks, and PostgreSQL's reason. */
  readonly skipped: readonly SkippedObject[];
  /** Rows copied per table (leaf tables only), when sampling. */
  readonly sampledRows: readonly SampledTable[];
  /**
   * Foreign keys the target has validated that the copy holds NOT VALID, because the sample kept rows
   * whose referenced row it left out. A rehearsed VALIDATE of one of them would fail on the copy.
   */
  readonly unvalidatedForeignKeys: readonly string[];
}

export async function copySchema(source: Sql, copy: Sql, options: CopySchemaOptions = {}): Promise<SchemaCopyReport> {
  const sample = options.sample;
  if (sample !== undefined && !(sample > 0 && sample <= 1)) throw new Error(`a sample is a fraction in (0, 1], not ${sample}`);
  const session = await copy.reserve();
  try {
    // Bodies are not checked at create time: a function may name tables created after it.
    await session.unsafe('set check_function_bodies = off');
    await session.unsafe('set client_min_messages = warning');
    const runner = new StatementRunner(session);
    const result = await source.begin('isolation level repeatable read read only', async (tx) => {
      await tx`select set_config('statement_timeout', ${options.statementTimeout ?? '5min'}, true)`;
      await tx`select set_config('lock_timeout', '10s', true)`;
      // An empty search_path makes every deparser qualify every name it writes.
      await tx`select set_config('search_path', '', true)`;
      return copyInSnapshot(tx, runner, { ...options, stateSchema: options.stateSchema ?? defaultStateSchema });
    });
    runner.finish();
    const copied = Object.fromEntries(runner.copied) as Record<CopiedKind, number>;
    return { ...result, copied, skipped: runner.skipped };
  } finally {
    session.release();
  }
}

async function copyInSnapshot(
  tx: TransactionSql,
  runner: StatementRunner,
  options: CopySchemaOptions & { readonly stateSchema: string },
): Promise<Pick<SchemaCopyReport, 'schemas' | 'sampledRows' | 'unvalidatedForeignKeys'>> {
  const sampled = options.sample !== undefined;
  const schemas = await copiedSchemas(tx, options.stateSchema, options.schemas);
  await runner.run(schemaStatements(schemas));
  await runner.run(await extensionStatements(tx, runner));
  await runner.run(await typeStatements(tx, schemas, runner));
  await runner.run(await functionStatements(tx, schemas, runner));
  const sequences = await sequenceStatements(tx, schemas);
  await runner.run(sequences.create);
  const { tables, statements } = await readTables(tx, schemas);
  await runner.run(statements);
  // Rows go in before indexes, constraints and triggers: a faster load, and no trigger of the
  // target's fires on the copy's own loading.
  const sampledRows = options.sample === undefined ? [] : await copyRows(tx, runner, tables, options.sample);
  await runner.run([...sequences.own, ...(await sequenceValueStatements(tx, schemas))]);
  const ids = tables.map((t) => t.id);
  const constraints = await constraintStatements(tx, ids, sampled);
  await runner.run(constraints.constraints);
  await runner.run(await indexStatements(tx, schemas));
  await runner.run(await statisticsStatements(tx, ids));
  await runner.run(constraints.foreignKeys);
  const unvalidatedForeignKeys = await validateForeignKeys(runner, constraints.validations);
  await runner.run(await viewStatements(tx, schemas));
  await runner.run(await triggerStatements(tx, schemas));
  return { schemas, sampledRows, unvalidatedForeignKeys };
}

async function copyRows(
  tx: TransactionSql,
  runner: StatementRunner,
  tables: readonly CopiedTable[],
  fraction: number,
): Promise<SampledTable[]> {
  const counts: SampledTable[] = [];
  for (const table of tables) {
    const name = displayName(table);
    if (table.kind !== 'r' || !(runner.wasCreated('table', name) || runner.wasCreated('partition', name))) continue;
    try {
      counts.push({ table: name, rows: await copySampleRows(tx, runner.copy, table, fraction) });
    } catch (error) {
      // The snapshot's transaction cannot go on after a failed COPY: the copy as a whole fails.
      throw new RehearsalCopyError(`copying the sample of ${name}: ${errorMessage(error)}`, { cause: error });
    }
  }
  return counts;
}

/** VALIDATE each sampled foreign key the target has validated; the ones with orphans stay NOT VALID. */
async function validateForeignKeys(runner: StatementRunner, validations: readonly CopyStatement[]): Promise<string[]> {
  const unvalidated: string[] = [];
  for (const validation of validations) {
    if (!runner.wasCreated('foreign key', validation.name)) continue;
    try {
      await runner.copy.unsafe(validation.sql);
    } catch {
      unvalidated.push(validation.name);
    }
  }
  return unvalidated;
}
