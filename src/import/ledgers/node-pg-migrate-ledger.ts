// node-pg-migrate's `pgmigrations` (id serial, name, run_on), in `public` unless configured
// (--migrations-schema, --migrations-table). A migration is applied when a row has its name. Marking
// inserts what its runner inserts after running one (migration.ts `_getMarkAsRun`): (name, now()), in
// file order, so its check-order (`select name … order by run_on, id`) keeps agreeing with the files.
import type { Sql } from '../../db/connect.js';
import type { SourceMigration } from '../import-types.js';
import { ledgerTable, markableLedger, markInOneTransaction, type SourceLedgerOptions } from './ledger-table.js';
import type { MarkedApplied } from './marked-applied.js';

export const nodePgMigrateLedger = { schema: 'public', name: 'pgmigrations' };
/** node-pg-migrate's runner lock (PG_MIGRATE_LOCK_ID): a runner started meanwhile fails with "Another migration is already running". */
const nodePgMigrateLock = '7241865325823964';

/** The names the ledger `t` (quoted) records as run. */
export async function nodePgMigrateAppliedIds(sql: Sql, t: string): Promise<ReadonlySet<string>> {
  const rows = await sql.unsafe<{ name: string }[]>(`select name from ${t}`);
  return new Set(rows.map((r) => r.name));
}

export async function markNodePgMigrateApplied(
  sql: Sql,
  migrations: readonly SourceMigration[],
  options?: SourceLedgerOptions,
): Promise<MarkedApplied> {
  const create = 'Run node-pg-migrate once against this database (its runner creates the table before anything else)';
  const t = await markableLedger(sql, ledgerTable(nodePgMigrateLedger, options), 'node-pg-migrate', ['id', 'name', 'run_on'], create);
  return markInOneTransaction(
    sql,
    'node-pg-migrate',
    migrations,
    async (tx) => {
      await tx`select pg_advisory_xact_lock(${nodePgMigrateLock}::bigint)`;
      await tx.unsafe(`lock table ${t} in share row exclusive mode`);
    },
    async (tx, m) => {
      const [row] = await tx.unsafe<{ found: boolean }[]>(`select exists (select from ${t} where name = $1) as found`, [m.id]);
      if (row?.found === true) return 'already';
      await tx.unsafe(`insert into ${t} (name, run_on) values ($1, now())`, [m.id]);
      return 'marked';
    },
  );
}
