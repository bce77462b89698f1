// The postgres.js connection factory: no prepared statements, server warnings captured (notices dropped), masked errors.
import postgres from 'postgres';
import { OnlineError } from '../errors/index.js';
import { maskSecrets, maskUrl, secretsOf } from './mask-secrets.js';
import { statementHookFromEnvironment } from './statement-debug.js';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

/** Our sessions' application_name (unless a caller names another): hazard reads pass over them. */
export const onlineApplicationName = 'online';

export interface ConnectOptions {
  /** Pool size. The migration needs one per backfill range plus one for state and one for the lease. */
  readonly max?: number;
  readonly applicationName?: string;
  /**
   * Server WARNINGs. NOTICEs ("relation already exists, skipping") are what our idempotent DDL expects
   * and are dropped; postgres.js would otherwise print them to stdout, into a --json stream.
   */
  readonly onWarning?: (message: string) => void;
}

export class ConnectionError extends OnlineError {
  constructor(url: string, cause: unknown) {
    // postgres.js reads URLs only; a libpq keyword/value string fails as "Invalid URL", so say what to give instead.
    const reason = !url.includes('://')
      ? 'not a connection URL: give one like postgres://user@host:5432/database, with the password after the user (user:password@host) or in PGPASSWORD; keyword/value strings ("host=… dbname=…") are not supported'
      : cause instanceof Error
        ? cause.message
        : String(cause);
    super('CONNECTION_FAILED', `cannot connect to ${maskUrl(url)}: ${maskSecrets(reason, secretsOf(url))}`, 2, { cause });
  }
}

/**
 * Opens a pool. `prepare: false` because DDL invalidates cached plans mid-migration; bigint stays a
 * string (postgres.js default) so counters never lose precision.
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Sql> {
  let sql: Sql;
  try {
    sql = postgres(withoutApplicationName(url), {
      prepare: false,
      max: options.max ?? 4,
      idle_timeout: 30,
      connect_timeout: 10,
      connection: { application_name: options.applicationName ?? onlineApplicationName },
      debug: statementHookFromEnvironment(),
      onnotice: (notice) => {
        if (notice.severity === 'WARNING') options.onWarning?.(String(notice.message ?? ''));
      },
    });
  } catch (error) {
    throw new ConnectionError(url, error);
  }
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => undefined);
    throw new ConnectionError(url, error);
  }
  return sql;
}

/**
 * The URL without an `application_name` query parameter: postgres.js lets one override ours, and
 * online knows its own sessions by that name (a blocker it must not cancel, a hazard that is not one).
 */
export function withoutApplicationName(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const params = url
    .slice(at + 1)
    .split('&')
    .filter((pair) => decodedKey(pair.split('=')[0] ?? '') !== 'application_name');
  return params.length === 0 ? url.slice(0, at) : `${url.slice(0, at)}?${params.join('&')}`;
}

function decodedKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/** A Postgres error's SQLSTATE, when the value is one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
