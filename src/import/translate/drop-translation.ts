// `DROP TABLE` → drop-table and `DROP INDEX` → drop-index (both contract only, after the application
// stopped using them); other drops (a type, a sequence, a view…) are catalog only and stay SQL in
// contract. DROP INDEX does not name its table; it is known when an earlier statement created the
// index, and otherwise the drop stays SQL (catalog only, milliseconds, under lock_timeout).
import type { Node } from 'libpg-query';
import type { OperationSpec } from '../../migration-spec/migration-spec.js';
import type { QualifiedName } from '../../sql-text/quote.js';
import type { StatementTranslation } from '../import-types.js';
import type { StatementSource } from './source-text.js';
import { isNewTable, nameKey, operations, plainSql, refused, sqlTable, type MigrationScope } from './translation-scope.js';

/** `[schema, name]` or `[name]` as a qualified name (unqualified: public). */
function objectName(object: Node): QualifiedName | undefined {
  if (!('List' in object)) return undefined;
  const parts = (object.List.items ?? []).map((n) => ('String' in n ? (n.String.sval ?? '') : ''));
  if (parts.length === 1) return { schema: 'public', name: parts[0] ?? '' };
  if (parts.length === 2) return { schema: parts[0] ?? '', name: parts[1] ?? '' };
  return undefined;
}

export function drop(source: StatementSource, scope: MigrationScope): StatementTranslation {
  const stmt = source.stmt;
  if (!('DropStmt' in stmt)) throw new Error('not a DROP');
  const { objects, removeType, behavior, missing_ok: ifExists } = stmt.DropStmt;
  const cascade = behavior === 'DROP_CASCADE';
  const names = (objects ?? []).map(objectName);
  if (names.some((n) => n === undefined))
    return plainSql('contract', 'a drop of something no operation covers: catalog only, kept as plain SQL in contract');
  const named = names as QualifiedName[];
  const maybe = ifExists === true ? '; IF EXISTS: pre-flight refuses when it is already gone' : '';
  if (removeType === 'OBJECT_TABLE') {
    if (named.every((t) => isNewTable(scope, t))) {
      for (const t of named) scope.newTables.delete(nameKey(t));
      return plainSql('contract', 'drops tables created earlier in this migration: plain SQL', { tables: named.map(sqlTable) });
    }
    const ops: OperationSpec[] = named.map((t) => ({ op: 'drop-table', schema: t.schema, table: t.name, cascade }));
    return operations(
      ops,
      `drop-table: contract only (after the application stopped using it); pre-flight names what depends on it${maybe}`,
    );
  }
  if (removeType === 'OBJECT_INDEX') {
    if (cascade)
      return refused(
        'DROP INDEX … CASCADE also drops the constraints that use the index, which drop-index refuses',
        'drop the constraint first (ALTER TABLE … DROP CONSTRAINT), then the index',
      );
    const tables = named.map((i) => scope.context.indexTables.get(nameKey(i)));
    if (tables.every((t) => t !== undefined)) {
      const ops: OperationSpec[] = named.map((i, k) => ({
        op: 'drop-index',
        schema: i.schema,
        table: tables[k]?.name ?? '',
        name: i.name,
      }));
      return operations(ops, `drop-index: DROP INDEX CONCURRENTLY in contract (reads and writes continue)${maybe}`);
    }
    if (stmt.DropStmt.concurrent === true) {
      return refused(
        "DROP INDEX CONCURRENTLY cannot run in an sql step (a transaction), and the drop-index operation needs the index's table, which the statement does not name",
        'replace it with `op: drop-index` naming the table',
      );
    }
    return plainSql(
      'contract',
      'DROP INDEX does not name its table, so it stays plain SQL in contract: catalog only (ACCESS EXCLUSIVE on the table for milliseconds, under lock_timeout); `op: drop-index` with the table would drop it concurrently',
    );
  }
  return plainSql('contract', `DROP ${(removeType ?? '').replace('OBJECT_', '')}: catalog only, plain SQL in contract (drops come last)`);
}
