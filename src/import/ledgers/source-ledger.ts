// The source tool's own ledger in the target database: which migrations it records as applied, and
// recording migrations as applied (as the tool itself would) so the tool never runs what online runs.
import { dirname } from 'node:path';
import type { Sql } from '../../db/connect.js';
import { ImportError } from '../../errors/index.js';
import type { SourceMigration, SourceTool } from '../import-types.js';
import { readSourceMigrations } from '../sources/read-source.js';
import { drizzleAppliedIds, drizzleLedger, markDrizzleApplied } from './drizzle-ledger.js';
import { flywayAppliedIds, flywayLedger, flywayMarkingRefused } from './flyway-ledger.js';
import { existingLedger, ledgerTable, type SourceLedgerOptions } from './ledger-table.js';
import type { MarkedApplied } from './marked-applied.js';
import { markNodePgMigrateApplied, nodePgMigrateAppliedIds, nodePgMigrateLedger } from './node-pg-migrate-ledger.js';
import { markPrismaApplied, prismaAppliedIds, prismaLedger } from './prisma-ledger.js';

export type { SourceLedgerOptions } from './ledger-table.js';
export type { MarkedApplied } from './marked-applied.js';

/** The ids of `migrations` the tool's ledger records as applied; undefined when the tool has no ledger table there. */
export async function appliedSourceIds(
  sql: Sql,
  tool: SourceTool,
  migrations: readonly SourceMigration[],
  options?: SourceLedgerOptions,
): Promise<ReadonlySet<string> | undefined> {
  if (tool === 'sql') return undefined;
  const t = await existingLedger(sql, ledgerTable(ledgers[tool], options));
  if (t === undefined) return undefined;
  switch (tool) {
    case 'prisma':
      return intersect(await prismaAppliedIds(sql, t), migrations);
    case 'drizzle':
      return drizzleAppliedIds(sql, t, migrations);
    case 'node-pg-migrate':
      return intersect(await nodePgMigrateAppliedIds(sql, t), migrations);
    case 'flyway':
      return flywayAppliedIds(sql, t, migrations);
  }
}

/** Each tool's ledger table when not configured otherwise. */
const ledgers = { prisma: prismaLedger, drizzle: drizzleLedger, 'node-pg-migrate': nodePgMigrateLedger, flyway: flywayLedger } as const;

/**
 * Records `migrations` as applied in the tool's own ledger, so the tool never runs them: online does.
 * All or nothing (one transaction); ids already recorded are reported, not written twice. Refused when
 * it would leave an earlier migration of the tool's directory unapplied (drizzle would skip it for good,
 * node-pg-migrate would refuse to run), for Flyway (see flyway-ledger.ts), and for plain SQL (no ledger).
 */
export async function markSourceApplied(
  sql: Sql,
  tool: SourceTool,
  migrations: readonly SourceMigration[],
  options?: SourceLedgerOptions,
): Promise<MarkedApplied> {
  if (migrations.length === 0) return { marked: [], already: [] };
  switch (tool) {
    case 'prisma':
      return markPrismaApplied(sql, migrations, options);
    case 'drizzle':
      await refuseGaps(sql, tool, migrations, options);
      return markDrizzleApplied(sql, migrations, options);
    case 'node-pg-migrate':
      await refuseGaps(sql, tool, migrations, options);
      return markNodePgMigrateApplied(sql, migrations, options);
    case 'flyway':
      throw flywayMarkingRefused(migrations);
    case 'sql':
      throw new ImportError(
        'IMPORT_LEDGER_NONE',
        'plain SQL files have no ledger to mark: nothing else runs them unless you do, so stop running them where you did (online now does)',
      );
  }
}

function intersect(applied: ReadonlySet<string>, migrations: readonly SourceMigration[]): ReadonlySet<string> {
  return new Set(migrations.filter((m) => applied.has(m.id)).map((m) => m.id));
}

/**
 * drizzle and node-pg-migrate apply in order: marking migration k while an earlier one is neither applied
 * nor being marked would make drizzle skip it forever and node-pg-migrate refuse ("Not run migration …
 * is preceding already run migration …"); an applied migration after one being marked is the same disorder.
 */
async function refuseGaps(
  sql: Sql,
  tool: SourceTool,
  migrations: readonly SourceMigration[],
  options?: SourceLedgerOptions,
): Promise<void> {
  const first = migrations[0];
  if (first === undefined) return;
  const all = (await readSourceMigrations(dirname(first.path), tool)).migrations;
  const applied = (await appliedSourceIds(sql, tool, all, options)) ?? new Set<string>();
  const marking = new Set(migrations.map((m) => m.id).filter((id) => !applied.has(id)));
  const indexes = all.flatMap((m, i) => (marking.has(m.id) ? [i] : []));
  if (indexes.length === 0) return;
  const last = Math.max(...indexes);
  const firstMarked = Math.min(...indexes);
  const skipped = all.slice(0, last).filter((m) => !applied.has(m.id) && !marking.has(m.id));
  const laterApplied = all.slice(firstMarked + 1).filter((m) => applied.has(m.id));
  if (skipped.length === 0 && laterApplied.length === 0) return;
  const problem =
    skipped.length > 0
      ? `${skipped.map((m) => m.id).join(', ')} come${skipped.length === 1 ? 's' : ''} before ${all[last]?.id ?? ''} and ${skipped.length === 1 ? 'is' : 'are'} neither applied nor being marked`
      : `${laterApplied.map((m) => m.id).join(', ')} ${laterApplied.length === 1 ? 'is' : 'are'} already applied after ${all[firstMarked]?.id ?? ''}`;
  throw new ImportError(
    'IMPORT_LEDGER_ORDER',
    `cannot mark these ${tool} migrations applied: ${problem}. ${tool} applies its migrations in order, so ` +
      (tool === 'drizzle'
        ? 'drizzle would skip the earlier ones for good (it runs only entries newer than the newest row). '
        : 'node-pg-migrate would refuse to run ("Not run migration … is preceding already run migration …"). ') +
      'Apply or import the earlier migrations first, and mark them together',
  );
}
