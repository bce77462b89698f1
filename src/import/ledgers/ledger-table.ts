// Where a tool keeps its ledger, whether the table is there, and the guard every marking shares: the
// table's columns are the ones the tool's source writes, or we do not write to it.
import type { Sql, TransactionSql } from '../../db/connect.js';
import type { SourceMigration } from '../import-types.js';
import type { MarkedApplied } from './marked-applied.js';
import { ImportError } from '../../errors/index.js';
import { displayName, quoteQualified, type QualifiedName } from '../../sql-text/quote.js';

/** The ledger table when it is not the tool's default (node-pg-migrate's `--migrations-table`, drizzle's `migrationsTable`…). */
export interface SourceLedgerOptions {
  readonly schema?: string;
  readonly table?: string;
}

export function ledgerTable(defaults: QualifiedName, options: SourceLedgerOptions = {}): QualifiedName {
  return { schema: options.schema ?? defaults.schema, name: options.table ?? defaults.name };
}

/** The table's columns, or undefined when it does not exist. */
export async function ledgerColumns(sql: Sql, table: QualifiedName): Promise<ReadonlySet<string> | undefined> {
  const qualified = quoteQualified(table);
  const [found] = await sql<{ exists: boolean }[]>`select to_regclass(${qualified}) is not null as exists`;
  if (found?.exists !== true) return undefined;
  const columns = await sql<{ attname: string }[]>`
    select attname from pg_attribute
    where attrelid = to_regclass(${qualified}) and attnum > 0 and not attisdropped`;
  return new Set(columns.map((c) => c.attname));
}

/** Refuses a table whose columns are not the ones the tool writes: another version's layout is a guess. */
export function requireLayout(table: QualifiedName, columns: ReadonlySet<string>, expected: readonly string[], tool: string): void {
  const missing = expected.filter((c) => !columns.has(c));
  const extra = [...columns].filter((c) => !expected.includes(c));
  if (missing.length === 0 && extra.length === 0) return;
  throw new ImportError(
    'IMPORT_LEDGER_LAYOUT',
    `${displayName(table)} is not the ${tool} ledger layout online knows (${[
      missing.length > 0 ? `missing ${missing.join(', ')}` : '',
      extra.length > 0 ? `unexpected ${extra.join(', ')}` : '',
    ]
      .filter((s) => s !== '')
      .join(
        '; ',
      )}): another ${tool} version writes it differently, so online does not write to it. Mark the migrations with ${tool}'s own command instead`,
  );
}

/** The tool has never run against this database: its table is its own to create, in its own version's layout. */
export function missingLedger(table: QualifiedName, tool: string, create: string): ImportError {
  return new ImportError(
    'IMPORT_LEDGER_MISSING',
    `${displayName(table)} does not exist: ${tool} has not run against this database, and online does not create another tool's ledger ` +
      `(its layout is ${tool}'s and changes between versions). ${create}, then import again with --mark-applied`,
  );
}

/** The ledger's quoted name, or undefined when the tool has no ledger there. */
export async function existingLedger(sql: Sql, table: QualifiedName): Promise<string | undefined> {
  return (await ledgerColumns(sql, table)) === undefined ? undefined : quoteQualified(table);
}

/** The ledger's quoted name once it is there in the layout the tool writes; `create` says how the tool creates it. */
export async function markableLedger(
  sql: Sql,
  table: QualifiedName,
  tool: string,
  layout: readonly string[],
  create: string,
): Promise<string> {
  const columns = await ledgerColumns(sql, table);
  if (columns === undefined) throw missingLedger(table, tool, create);
  requireLayout(table, columns, layout, tool);
  return quoteQualified(table);
}

/** Marking waits at most this long for a lock (a running migrate holds one); then it fails and nothing is written. */
const ledgerLockTimeout = '5s';

/**
 * Records each migration in one transaction, all or nothing: `record` writes the tool's row and says
 * 'marked', or finds the ledger already has it and says 'already'. `lock` takes the tool's own locks first.
 */
export async function markInOneTransaction(
  sql: Sql,
  tool: string,
  migrations: readonly SourceMigration[],
  lock: (tx: TransactionSql) => Promise<void>,
  record: (tx: TransactionSql, migration: SourceMigration, index: number) => Promise<'marked' | 'already'>,
): Promise<MarkedApplied> {
  const marking = sql.begin(async (tx) => {
    await tx`select set_config('lock_timeout', ${ledgerLockTimeout}, true)`;
    await lock(tx);
    const marked: string[] = [];
    const already: string[] = [];
    for (const [i, m] of migrations.entries()) {
      if ((await record(tx, m, i)) === 'marked') marked.push(m.id);
      else already.push(m.id);
    }
    return { marked, already };
  });
  try {
    return await marking;
  } catch (cause) {
    if ((cause as { code?: unknown }).code !== '55P03') throw cause;
    throw new ImportError(
      'IMPORT_LEDGER_BUSY',
      `the ${tool} ledger stayed locked for ${ledgerLockTimeout} (a ${tool} migration running now holds it), so nothing was marked: import again with --mark-applied once it has finished`,
      { cause },
    );
  }
}
