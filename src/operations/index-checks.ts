// Pre-flight shared by the operations that build an index concurrently: the server must not be one of
// the releases whose concurrent builds can corrupt indexes, and spliced SQL must be self-contained.
import { assertSelfContained, UnsafeExpressionError } from '../db/expression-guard.js';
import { displayName } from '../db/quote.js';
import type { TableInfo } from '../db/catalog.js';
import { InvalidExpressionError, PreflightError } from '../errors/index.js';

/** PostgreSQL 14.0–14.3 can silently corrupt indexes built or rebuilt CONCURRENTLY (fixed in 14.4). */
export function requireSafeConcurrentBuilds(serverVersionNum: number): void {
  if (serverVersionNum >= 140000 && serverVersionNum < 140004) {
    throw new PreflightError(
      'UNSAFE_SERVER_VERSION',
      `PostgreSQL ${Math.floor(serverVersionNum / 10000)}.${serverVersionNum % 100} can corrupt indexes built CONCURRENTLY (a bug fixed in 14.4); upgrade to 14.4 or later first`,
    );
  }
}

/** The lexical guard for a spliced expression, reported as a pre-flight error on `field`. */
export function requireSelfContained(field: string, expression: string): void {
  try {
    assertSelfContained(expression);
  } catch (error) {
    if (error instanceof UnsafeExpressionError) throw new InvalidExpressionError(field, expression, error.message);
    throw error;
  }
}

/** CREATE INDEX CONCURRENTLY cannot build on a partitioned table itself. */
export function requireConcurrentlyIndexable(table: TableInfo): void {
  if (table.partitioned) {
    throw new PreflightError(
      'PARTITIONED_TABLE',
      `${displayName(table)} is partitioned, and PostgreSQL cannot build an index on a partitioned table concurrently; build it on each partition, then attach`,
    );
  }
}
