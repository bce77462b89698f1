// Catalog checks shared by operations; each throws the typed pre-flight error for its failure.
import { describeTable, findColumn, type TableInfo, type TableKey } from '../db/catalog.js';
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

export function requireKey(table: TableInfo): TableKey {
  if (table.key === undefined) throw new NoUsableKeyError(displayName(table));
  return table.key;
}
