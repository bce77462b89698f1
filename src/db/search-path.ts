// The search path user expressions are resolved with, captured once in pre-flight and pinned wherever
// they run afterwards: in the functions online creates (which run in the application's sessions, with
// the application's search_path) and on the connections that run backfill batches and complete's
// check. So an unqualified `pick()` or type name means the same object everywhere.
import type { Sql, TransactionSql } from './connect.js';
import { quoteIdent } from '../sql-text/quote.js';

/**
 * The schemas unqualified names resolve in on this connection, in order: `current_schemas(false)`,
 * which drops schemas that do not exist and the implicit ones (pg_catalog first unless listed).
 * A session's own temporary schema is left out: pinned elsewhere it would name another session's.
 */
export async function resolutionSchemas(sql: Sql | TransactionSql): Promise<string[]> {
  const [row] = await sql<{ schemas: string[] }[]>`select current_schemas(false)::text[] as schemas`;
  return (row?.schemas ?? []).filter((schema) => !/^pg_(toast_)?temp_\d+$/.test(schema));
}

/**
 * The value of `search_path` for those schemas: each quoted, then `pg_temp` last. Listed last, the
 * temporary schema is searched after every real one, so a temporary table in some session cannot
 * shadow what pre-flight resolved (left out, it would be searched first); functions and operators are
 * never looked up there. PostgreSQL's advice for SECURITY DEFINER functions, for the same reason.
 */
export function searchPathSetting(schemas: readonly string[]): string {
  return [...schemas.map(quoteIdent), 'pg_temp'].join(', ');
}

/** The `set search_path = …` clause of a CREATE FUNCTION that pins those schemas. */
export function pinnedSearchPath(schemas: readonly string[]): string {
  return `set search_path = ${searchPathSetting(schemas)}`;
}
