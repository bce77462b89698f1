// Pre-flight shared by the operations that build an index concurrently: the server must not be one of
// the releases whose concurrent builds can corrupt indexes (partitioned tables: partitioned-index-checks.ts).
import { PreflightError } from '../errors/index.js';

/** PostgreSQL 14.0–14.3 can silently corrupt indexes built or rebuilt CONCURRENTLY (fixed in 14.4). */
export function requireSafeConcurrentBuilds(serverVersionNum: number): void {
  if (serverVersionNum >= 140000 && serverVersionNum < 140004) {
    throw new PreflightError(
      'UNSAFE_SERVER_VERSION',
      `PostgreSQL ${Math.floor(serverVersionNum / 10000)}.${serverVersionNum % 100} can corrupt indexes built CONCURRENTLY (a bug fixed in 14.4); upgrade to 14.4 or later first`,
    );
  }
}
