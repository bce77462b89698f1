// STUB (issue 18 base): replaced by the sources work. The source tool's own ledger in the target database.
import type { Sql } from '../../db/connect.js';
import type { SourceMigration, SourceTool } from '../import-types.js';

/** The ids of `migrations` the tool's ledger records as applied; undefined when the tool has no ledger table there. */
export async function appliedSourceIds(
  sql: Sql,
  tool: SourceTool,
  migrations: readonly SourceMigration[],
): Promise<ReadonlySet<string> | undefined> {
  await sql`select 1`;
  throw new Error(`not built yet: appliedSourceIds(${tool}, ${migrations.length})`);
}

export interface MarkedApplied {
  /** Ids newly recorded as applied in the tool's ledger. */
  readonly marked: readonly string[];
  /** Ids the ledger already had. */
  readonly already: readonly string[];
}

/** Records `migrations` as applied in the tool's own ledger, so the tool never runs them: online does. */
export async function markSourceApplied(sql: Sql, tool: SourceTool, migrations: readonly SourceMigration[]): Promise<MarkedApplied> {
  await sql`select 1`;
  throw new Error(`not built yet: markSourceApplied(${tool}, ${migrations.length})`);
}
