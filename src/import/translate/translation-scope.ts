// What translating one statement may know besides the statement: the tables and types created
// earlier in the same source migration (statements on them are safe on a new, empty table), and, across
// migrations, which table each index belongs to (DROP INDEX does not say). Plus the shapes of the
// four outcomes, so every translator words them alike.
import type { RangeVar } from 'libpg-query';
import type { QualifiedName } from '../../sql-text/quote.js';
import type { OperationSpec } from '../../migration-spec/migration-spec.js';
import type { SqlTable, StatementTranslation } from '../import-types.js';

/** Knowledge carried from one source migration to the next, in the tool's order. */
export interface TranslationContext {
  /** `schema.index` → its table, from every CREATE INDEX seen so far. */
  readonly indexTables: Map<string, QualifiedName>;
}

export function translationContext(): TranslationContext {
  return { indexTables: new Map() };
}

/** One source migration's translation so far. */
export interface MigrationScope {
  readonly context: TranslationContext;
  /** `schema.table` of every table this migration created (CREATE TABLE) before the statement. */
  readonly newTables: Set<string>;
}

export const nameKey = (name: QualifiedName): string => `${name.schema}.${name.name}`;

/** A relation as the statement names it; unqualified names are taken to be in `public` (PostgreSQL's default search_path). */
export function relationName(relation: RangeVar | undefined): QualifiedName {
  return { schema: relation?.schemaname ?? 'public', name: relation?.relname ?? '' };
}

export const isNewTable = (scope: MigrationScope, table: QualifiedName): boolean => scope.newTables.has(nameKey(table));

export const sqlTable = (name: QualifiedName): SqlTable => ({ schema: name.schema, table: name.name });

export const operations = (ops: readonly OperationSpec[], note: string): StatementTranslation => ({
  kind: 'operation',
  operations: ops,
  note,
});

export const refused = (reason: string, suggestion: string): StatementTranslation => ({ kind: 'refused', reason, suggestion });

export const skipped = (note: string): StatementTranslation => ({ kind: 'skipped', note });

export function plainSql(
  phase: 'expand' | 'contract',
  note: string,
  extra: { readonly tables?: readonly SqlTable[]; readonly rollback?: readonly string[] } = {},
): StatementTranslation {
  return { kind: 'sql', phase, note, ...extra };
}

/** A statement on a table created earlier in the same migration: it runs on an empty table nobody uses yet. */
export const onNewTable = (table: QualifiedName): StatementTranslation =>
  plainSql('expand', `${table.name} is created earlier in this migration, so it is still empty and unused: this is safe as plain SQL`, {
    tables: [sqlTable(table)],
    rollback: [],
  });

/** PostgreSQL's name for an unnamed object (`<table>_<cols>_<suffix>`), or undefined past 63 bytes (where PostgreSQL truncates). */
export function postgresDefaultName(table: string, parts: readonly string[], suffix: string): string | undefined {
  const name = [table, ...parts, suffix].join('_');
  return Buffer.byteLength(name) <= 63 ? name : undefined;
}
