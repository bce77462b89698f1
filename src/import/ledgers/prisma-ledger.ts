// Prisma's `_prisma_migrations`: a migration is applied when a row of its name has finished_at set and
// rolled_back_at unset. Marking writes what `prisma migrate resolve --applied` writes (prisma-engines,
// mark_migration_applied.rs and sql_migration_persistence.rs): failed attempts of that name marked
// rolled back, then a row with a v4 uuid id, the sha256 hex of migration.sql's bytes, logs '',
// started_at = finished_at = now, applied_steps_count left at its default 0.
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Sql } from '../../db/connect.js';
import type { SourceMigration } from '../import-types.js';
import { ledgerTable, markableLedger, markInOneTransaction, type SourceLedgerOptions } from './ledger-table.js';
import type { MarkedApplied } from './marked-applied.js';

export const prismaLedger = { schema: 'public', name: '_prisma_migrations' };
const layout = ['id', 'checksum', 'finished_at', 'migration_name', 'logs', 'rolled_back_at', 'started_at', 'applied_steps_count'];
/** prisma-engines' migration lock (`SELECT pg_advisory_lock(72707369)`): a running prisma migrate and a marking wait for each other. */
const prismaLock = 72707369;

/** The names of the migrations the ledger `t` (quoted) records as applied. */
export async function prismaAppliedIds(sql: Sql, t: string): Promise<ReadonlySet<string>> {
  const rows = await sql.unsafe<{ migration_name: string }[]>(
    `select migration_name from ${t} where finished_at is not null and rolled_back_at is null`,
  );
  return new Set(rows.map((r) => r.migration_name));
}

export async function markPrismaApplied(
  sql: Sql,
  migrations: readonly SourceMigration[],
  options?: SourceLedgerOptions,
): Promise<MarkedApplied> {
  const create = `Run \`npx prisma migrate resolve --applied ${migrations[0]?.id ?? '<migration>'}\` (it creates the table)`;
  const t = await markableLedger(sql, ledgerTable(prismaLedger, options), 'Prisma', layout, create);
  const checksums = await Promise.all(
    migrations.map(async (m) =>
      createHash('sha256')
        .update(await readFile(m.path))
        .digest('hex'),
    ),
  );
  return markInOneTransaction(
    sql,
    'Prisma',
    migrations,
    async (tx) => void (await tx`select pg_advisory_xact_lock(${prismaLock})`),
    async (tx, m, i) => {
      const [row] = await tx.unsafe<{ applied: boolean }[]>(
        `select exists (select from ${t} where migration_name = $1 and finished_at is not null and rolled_back_at is null) as applied`,
        [m.id],
      );
      if (row?.applied === true) return 'already';
      await tx.unsafe(
        `update ${t} set rolled_back_at = now() where migration_name = $1 and finished_at is null and rolled_back_at is null`,
        [m.id],
      );
      await tx.unsafe(
        `insert into ${t} (id, checksum, logs, started_at, finished_at, migration_name) values ($1, $2, '', now(), now(), $3)`,
        [randomUUID(), checksums[i] ?? '', m.id],
      );
      return 'marked';
    },
  );
}
