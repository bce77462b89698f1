// Catalog checks shared by operations; each throws the typed pre-flight error for its failure.
import { describeTable, findColumn, type KeyColumn, type TableInfo } from '../db/catalog.js';
import { minimumCtidServerVersion } from '../db/ctid-sql.js';
import type { Sql } from '../db/connect.js';
import { displayName, type QualifiedName } from '../db/quote.js';
import { ColumnExistsError, NoUsableKeyError, TableNotFoundError } from '../errors/index.js';

export async function requireTable(sql: Sql, table: QualifiedName): Promise<TableInfo> {
  const info = await describeTable(sql, table);
  if (info === undefined) throw new TableNotFoundError(displayName(table));
  return info;
}

export function requireNoColumn(table: TableInfo, column: string): void {
  if (findColumn(table, column) !== undefined) throw new ColumnExistsError(displayName(table), column);
}

/**
 * The columns a backfill pages over: the table's key, or none (ctid page ranges) for a table without
 * one on PostgreSQL 14+, where TID range scans exist.
 */
export function backfillKey(table: TableInfo, serverVersionNum: number): readonly KeyColumn[] {
  if (table.key !== undefined) return table.key.columns;
  if (serverVersionNum >= minimumCtidServerVersion) return [];
  throw new NoUsableKeyError(displayName(table));
}
