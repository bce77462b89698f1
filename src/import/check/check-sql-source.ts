// `online check --sql <file|dir>`: a migration tool's SQL migrations read in its order, its ledger
// asked which are applied, and the pending ones judged (check-migrations.ts). Read-only: its own
// connection has default_transaction_read_only on and lock and statement timeouts, so it changes
// nothing (the ledger is never created) and never queues behind DDL; catalog reads take ACCESS SHARE
// at most, one statement at a time.
import type { ConnectionInput } from '../../api/session.js';
import { connect, type Sql } from '../../db/connect.js';
import type { SourceTool } from '../import-types.js';
import { appliedSourceIds } from '../ledgers/source-ledger.js';
import { readSourceMigrations } from '../sources/read-source.js';
import { translateMigration } from '../translate/translate-migration.js';
import type { SqlCheck } from './check-types.js';
import { checkMigrations, type TranslateMigration } from './check-migrations.js';

/**
 * Below this many rows, a scan or index build under a lock that blocks writes is over in well under a
 * second on common hardware (about 100k rows/s read, sort and write): about as long as writes can
 * queue before requests start timing out. Lower it where latency budgets are tight.
 */
export const defaultLargeTableRows = 100_000;

/** A catalog read waiting longer than this on a lock gives up: the table is reported unsized (large). */
const checkLockTimeout = '200ms';
const checkStatementTimeout = '30s';

export interface CheckSqlSourceInput {
  /** A .sql file or a tool's migrations directory. */
  readonly path: string;
  /** Default: detected from the layout. */
  readonly from?: SourceTool;
  /** Without it, nothing is sized and everything is pending. */
  readonly connection?: Pick<ConnectionInput, 'databaseUrl'>;
  /** Default defaultLargeTableRows. */
  readonly largeTableRows?: number;
  /** Default: the importer's translation. */
  readonly translate?: TranslateMigration;
}

export async function checkSqlSource(input: CheckSqlSourceInput): Promise<SqlCheck> {
  const source = await readSourceMigrations(input.path, input.from);
  const common = {
    source: input.path,
    tool: source.tool,
    migrations: source.migrations,
    largeTableRows: input.largeTableRows ?? defaultLargeTableRows,
    translate: input.translate ?? translateMigration,
  };
  if (input.connection === undefined) return checkMigrations({ ...common, applied: new Set() });
  return readOnly(input.connection.databaseUrl, async (sql) => {
    // Plain .sql files have no ledger: everything is pending.
    const applied = source.tool === 'sql' ? undefined : await appliedSourceIds(sql, source.tool, source.migrations);
    return checkMigrations({ ...common, applied: applied ?? new Set(), sql });
  });
}

/** Runs `use` on one connection that cannot write and never waits long for a lock. */
async function readOnly<T>(databaseUrl: string, use: (sql: Sql) => Promise<T>): Promise<T> {
  const pool = await connect(databaseUrl, { max: 1 });
  try {
    const sql = await pool.reserve();
    try {
      await sql.unsafe(`set default_transaction_read_only = on`);
      await sql.unsafe(`set lock_timeout = '${checkLockTimeout}'`);
      await sql.unsafe(`set statement_timeout = '${checkStatementTimeout}'`);
      return await use(sql);
    } finally {
      sql.release();
    }
  } finally {
    await pool.end({ timeout: 5 });
  }
}
