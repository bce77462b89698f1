// Catalog checks shared by operations; each throws the typed pre-flight error for its failure.
import { describeNonTable, describeTable, findColumn, type KeyColumn, type TableInfo } from '../catalog/describe-table.js';
import { minimumCtidServerVersion } from '../catalog/server-version.js';
import { holdsOnlineLedger } from '../catalog/dependants.js';
import { listLeafPartitions } from '../catalog/leaf-partitions.js';
import { partitionKeyColumns } from '../catalog/partition-key-columns.js';
import type { Sql } from '../db/connect.js';
import { displayName, type QualifiedName } from '../sql-text/quote.js';
import { ColumnExistsError, NoUsableKeyError, PreflightError, TableNotFoundError } from '../errors/index.js';

/**
 * A table online may change: not one of PostgreSQL's own (pg_catalog, pg_toast, temporary schemas:
 * every `pg_` schema is reserved to the system; information_schema), and not the ledger's, whose
 * migration could never be rolled back. The state schema is refused by name where the spec is
 * checked as a whole (even before the ledger exists), and by its tables in requireTable (whatever
 * its name).
 */
export function requireMigratableSchema(table: QualifiedName, stateSchema?: string): void {
  if (table.schema.startsWith('pg_') || table.schema === 'information_schema') {
    throw new PreflightError(
      'SYSTEM_TABLE',
      `${displayName(table)} is in a system schema: online does not migrate PostgreSQL's own tables`,
    );
  }
  if (table.schema === stateSchema) throw stateTableError(table);
}

const stateTableError = (table: QualifiedName): PreflightError =>
  new PreflightError(
    'STATE_TABLE',
    `${displayName(table)} belongs to online's state schema (the migration ledger); online does not migrate its own tables`,
  );

export async function requireTable(sql: Sql, table: QualifiedName): Promise<TableInfo> {
  requireMigratableSchema(table);
  const info = await describeTable(sql, table);
  if (info !== undefined) {
    if (await holdsOnlineLedger(sql, table.schema)) throw stateTableError(table);
    return info;
  }
  const kind = await describeNonTable(sql, table);
  if (kind === undefined) throw new TableNotFoundError(displayName(table));
  throw new PreflightError('NOT_A_TABLE', `${displayName(table)} is ${kind}, not a table: online migrates tables`);
}

export function requireNoColumn(table: TableInfo, column: string): void {
  if (findColumn(table, column) !== undefined) throw new ColumnExistsError(displayName(table), column);
}

/** A partition takes its columns from its parent: PostgreSQL refuses to add or rename one on it alone. */
export function requireNotPartition(table: TableInfo, change: 'add a column to' | 'rename a column of'): void {
  if (table.partitionOf === undefined) return;
  const parent = displayName(table.partitionOf);
  throw new PreflightError(
    'PARTITION',
    `${displayName(table)} is a partition of ${parent}: its columns are its parent's, and PostgreSQL refuses to ${change} a partition alone; migrate ${parent} instead`,
  );
}

/**
 * A partitioned table's partition key columns can't be rebuilt (PostgreSQL refuses to drop one or
 * change its type) nor set by a backfill: its batches update one partition at a time, and a row whose
 * new key belongs to another partition would fail the batch.
 */
export async function requireNotPartitionKey(sql: Sql, table: TableInfo, columns: readonly string[], change: string): Promise<void> {
  if (!table.partitioned) return;
  const keyColumns = await partitionKeyColumns(sql, table);
  const hit = columns.find((c) => keyColumns.includes(c));
  if (hit === undefined) return;
  throw new PreflightError(
    'PARTITION_KEY',
    `column ${hit} is part of the partition key of ${displayName(table)} (${keyColumns.join(', ')}): online cannot ${change} it; no PostgreSQL version can drop a partition key column or change its type, so a new table partitioned by the new column, filled and swapped in, is the way`,
  );
}

/**
 * The columns a backfill pages over: the table's key, or none (ctid page ranges) for a table without
 * one on PostgreSQL 14+, where TID range scans exist. A partitioned table is backfilled one leaf
 * partition at a time (phases/backfill-engine/partition-leaves.ts), each a plain table paged the same
 * way; a foreign-table partition cannot be, so it is refused.
 */
export async function backfillKey(sql: Sql, table: TableInfo, serverVersionNum: number): Promise<readonly KeyColumn[]> {
  if (table.partitioned) {
    const foreign = (await listLeafPartitions(sql, table)).find((leaf) => leaf.kind === 'f');
    if (foreign !== undefined) {
      throw new PreflightError(
        'UNSUPPORTED',
        `${displayName(foreign)} is a foreign-table partition of ${displayName(table)}: online cannot run backfill batches on a foreign table; detach it first, or fill its rows on its own server`,
      );
    }
  }
  if (table.key !== undefined) return table.key.columns;
  if (serverVersionNum >= minimumCtidServerVersion) return [];
  throw new NoUsableKeyError(displayName(table));
}
