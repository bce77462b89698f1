// Where the ledger lives: a schema in the migrated database. Only the schema name is interpolated.
import type postgres from 'postgres';
import type { Sql, TransactionSql } from '../db/connect.js';

export type Db = Sql | TransactionSql;

export interface StateStore {
  readonly sql: Sql;
  /** A validated lower-case identifier (see `stateSchemaName`). */
  readonly schema: string;
}

export const defaultStateSchema = 'online_migrate';

/** An identifier fragment for a state table, usable in tagged templates: db`select … from ${table(db, store, 'migrations')}`. */
export function stateTable(db: Db, store: StateStore, table: string): postgres.Helper<string> {
  return db(`${store.schema}.${table}`);
}

/** A jsonb parameter. (A stringified value would be encoded twice: postgres.js serializes jsonb itself.) */
export function jsonParam(db: Db, value: unknown): postgres.Parameter {
  return db.json(value as postgres.JSONValue);
}
