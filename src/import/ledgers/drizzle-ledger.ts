// drizzle's `drizzle.__drizzle_migrations` (id serial, hash text, created_at bigint). Its migrator
// (drizzle-orm pg-core dialect `migrate`) reads only the newest row's created_at and runs every journal
// entry whose `when` is newer: so an entry counts as applied when its `when` is not newer than that, and
// a row for entry k marks every earlier entry too. Marking inserts what the migrator inserts after running
// an entry: hash = sha256 hex of the .sql file read as drizzle reads it (CRLF made LF), created_at = `when`.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Sql, TransactionSql } from '../../db/connect.js';
import { ImportError } from '../../errors/index.js';
import type { SourceMigration } from '../import-types.js';
import { ledgerTable, markableLedger, markInOneTransaction, type SourceLedgerOptions } from './ledger-table.js';
import type { MarkedApplied } from './marked-applied.js';

export const drizzleLedger = { schema: 'drizzle', name: '__drizzle_migrations' };

/** The ids of `migrations` drizzle would not run given the ledger `t` (quoted). */
export async function drizzleAppliedIds(sql: Sql, t: string, migrations: readonly SourceMigration[]): Promise<ReadonlySet<string>> {
  const newest = await newestCreatedAt(sql, t);
  return new Set(migrations.filter((m) => newest !== undefined && whenOf(m) <= newest).map((m) => m.id));
}

export async function markDrizzleApplied(
  sql: Sql,
  migrations: readonly SourceMigration[],
  options?: SourceLedgerOptions,
): Promise<MarkedApplied> {
  const create =
    "Run drizzle's migrator once against this database before importing (drizzle-kit migrate, or migrate() from drizzle-orm: it creates the table first)";
  const t = await markableLedger(sql, ledgerTable(drizzleLedger, options), 'drizzle', ['id', 'hash', 'created_at'], create);
  const hashes = await Promise.all(migrations.map(async (m) => drizzleHash(await readFile(m.path, 'utf8'))));
  let newest: number | undefined;
  return markInOneTransaction(
    sql,
    'drizzle',
    migrations,
    // drizzle's migrator takes no lock of its own: the table lock keeps two markings from interleaving.
    async (tx) => {
      await tx.unsafe(`lock table ${t} in share row exclusive mode`);
      newest = await newestCreatedAt(tx, t);
    },
    async (tx, m, i) => {
      const when = whenOf(m);
      if (newest !== undefined && when <= newest) return 'already';
      await tx.unsafe(`insert into ${t} (hash, created_at) values ($1, $2)`, [hashes[i] ?? '', when]);
      newest = when;
      return 'marked';
    },
  );
}

/** drizzle-orm's migrator.ts: `sha256(readFileSync(f).toString().replace(/\r\n/g, '\n'))`. */
export function drizzleHash(fileText: string): string {
  return createHash('sha256').update(fileText.replace(/\r\n/g, '\n')).digest('hex');
}

async function newestCreatedAt(sql: Sql | TransactionSql, table: string): Promise<number | undefined> {
  // drizzle orders by created_at desc limit 1; a null created_at sorts first there and counts as 0 (Number(null)).
  const [row] = await sql.unsafe<{ created_at: string | null }[]>(`select created_at from ${table} order by created_at desc limit 1`);
  return row === undefined ? undefined : Number(row.created_at);
}

function whenOf(m: SourceMigration): number {
  if (m.when === undefined) throw new ImportError('IMPORT_LEDGER_INPUT', `${m.file}: a drizzle migration without its journal entry's when`);
  return m.when;
}
