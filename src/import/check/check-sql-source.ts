// `online check --sql <file|dir>`: a migration tool's SQL migrations read in its order, its ledger
// asked which are applied, and the pending ones judged (check-migrations.ts), on a read-only
// connection that never queues behind DDL (read-only-connection.ts).
import type { ConnectionInput } from '../../api/session.js';
import type { SourceTool } from '../import-types.js';
import { appliedSourceIds } from '../ledgers/source-ledger.js';
import { readSourceMigrations } from '../sources/read-source.js';
import { translateMigration } from '../translate/translate-migration.js';
import type { SqlCheck } from './check-types.js';
import { checkMigrations, type TranslateMigration } from './check-migrations.js';
import { withReadOnlyConnection } from './read-only-connection.js';

/**
 * Below this many rows, a scan or index build under a lock that blocks writes is over in well under a
 * second on common hardware (about 100k rows/s read, sort and write): about as long as writes can
 * queue before requests start timing out. Lower it where latency budgets are tight.
 */
export const defaultLargeTableRows = 100_000;

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
  return withReadOnlyConnection(input.connection.databaseUrl, async (sql) => {
    // Plain .sql files have no ledger: everything is pending.
    const applied = source.tool === 'sql' ? undefined : await appliedSourceIds(sql, source.tool, source.migrations);
    return checkMigrations({ ...common, applied: applied ?? new Set(), sql });
  });
}
