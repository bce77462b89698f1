// Pre-flight for a column rebuild: the DDL it will run, tried first on an empty copy of the table
// (`like` it, plus the shadow columns) inside a transaction that is always rolled back. PostgreSQL's
// own verdict on every rewritten index, CHECK, default and conversion, at no cost on any table size.
import { errorMessage, type Sql, type TransactionSql } from '../db/connect.js';
import { normalizeIndexDefinition } from '../catalog/read-index.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { inRolledBackTransaction } from '../db/rolled-back-transaction.js';
import { probeNames } from '../ddl/object-names.js';

/** The copy's name in the statements given to the probes. */
export const shadowCopy = quoteIdent(probeNames.shadowCopy);

export interface ShadowColumn {
  readonly name: string;
  readonly type: string;
}

async function onShadowCopy<T>(
  sql: Sql,
  table: QualifiedName,
  shadows: readonly ShadowColumn[],
  use: (tx: TransactionSql) => Promise<T>,
): Promise<T> {
  return inRolledBackTransaction(sql, async (tx) => {
    await tx.unsafe(`create temporary table ${shadowCopy} (like ${quoteQualified(table)}) on commit drop`);
    for (const shadow of shadows) await tx.unsafe(`alter table ${shadowCopy} add column ${quoteIdent(shadow.name)} ${shadow.type}`);
    return use(tx);
  });
}

/** PostgreSQL's reason for refusing `statements` on the copy, or undefined when it accepts them. */
export async function refusalOnShadowCopy(
  sql: Sql,
  table: QualifiedName,
  shadows: readonly ShadowColumn[],
  statements: readonly string[],
): Promise<string | undefined> {
  try {
    await onShadowCopy(sql, table, shadows, async (tx) => {
      for (const statement of statements) await tx.unsafe(statement);
    });
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}

/**
 * PostgreSQL's reason for refusing `statement` on the copy, asked by Parse/Describe only: for a
 * statement holding a user expression (an UPDATE with `using`), which is then analysed against the
 * copy's columns and types but never planned or run.
 */
export async function describeRefusalOnShadowCopy(
  sql: Sql,
  table: QualifiedName,
  shadows: readonly ShadowColumn[],
  statement: string,
): Promise<string | undefined> {
  try {
    await onShadowCopy(sql, table, shadows, async (tx) => tx.unsafe(statement, [], { prepare: false }).describe());
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}

/** Builds the index `body` (what follows `ON <table>`) on the copy; returns its normalized definition, or PostgreSQL's refusal. */
export async function indexOnShadowCopy(
  sql: Sql,
  table: QualifiedName,
  shadows: readonly ShadowColumn[],
  unique: boolean,
  body: string,
): Promise<{ readonly definition: string } | { readonly refusal: string }> {
  try {
    const definition = await onShadowCopy(sql, table, shadows, async (tx) => {
      await tx.unsafe(`create ${unique ? 'unique ' : ''}index ${probeNames.shadowCopyIndex} on ${shadowCopy} ${body}`);
      const [row] = await tx<{ def: string }[]>`select pg_get_indexdef(${probeNames.shadowCopyIndex}::regclass) as def`;
      return row?.def ?? '';
    });
    return { definition: normalizeIndexDefinition(definition, unique) };
  } catch (error) {
    return { refusal: errorMessage(error) };
  }
}

/** The type as PostgreSQL spells it with its modifier (`character varying(20)`), from a column of that type on the copy. */
export async function canonicalTypeOnShadowCopy(sql: Sql, table: QualifiedName, type: string): Promise<string> {
  return onShadowCopy(sql, table, [{ name: probeNames.shadowCopyTypeColumn, type }], async (tx) => {
    const [row] = await tx<{ type: string }[]>`
      select format_type(atttypid, atttypmod) as type from pg_attribute
      where attrelid = ${probeNames.shadowCopy}::regclass and attname = ${probeNames.shadowCopyTypeColumn}`;
    return row?.type ?? type;
  });
}
