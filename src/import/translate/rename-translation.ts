// `ALTER TABLE … RENAME COLUMN` → rename-column: a synced copy under the new name, so code using either
// name keeps working until contract. `ALTER TABLE … RENAME TO` is refused: no operation keeps both table
// names working, and a plain rename breaks every query of the running application at once. Renames of
// constraints, indexes, types and sequences are catalog only and stay SQL.
import type { StatementTranslation } from '../import-types.js';
import type { StatementSource } from './source-text.js';
import { isNewTable, nameKey, onNewTable, operations, plainSql, refused, relationName, type MigrationScope } from './translation-scope.js';

export function rename(source: StatementSource, scope: MigrationScope): StatementTranslation {
  const stmt = source.stmt;
  if (!('RenameStmt' in stmt)) throw new Error('not a RENAME');
  const s = stmt.RenameStmt;
  const relation = relationName(s.relation);
  const catalogOnly = 'a rename is catalog only (milliseconds, under lock_timeout): plain SQL';
  if (s.renameType === 'OBJECT_TABLE') {
    if (isNewTable(scope, relation)) {
      scope.newTables.delete(nameKey(relation));
      scope.newTables.add(nameKey({ schema: relation.schema, name: s.newname ?? '' }));
      return onNewTable(relation);
    }
    return refused(
      'renaming a table breaks every query of the running application that uses the old name the moment it commits, and no online operation keeps both names working',
      'keep the table name (map the new name in your ORM), or, if the application is deployed in the same moment, write it yourself as an `op: sql` step with `phase: contract`',
    );
  }
  if (s.renameType === 'OBJECT_COLUMN' && s.relationType === 'OBJECT_TABLE') {
    if (isNewTable(scope, relation)) return onNewTable(relation);
    if (s.relation?.inh === false || s.missing_ok === true) {
      return refused('RENAME COLUMN with ONLY or IF EXISTS cannot be expressed by rename-column', 'drop ONLY / IF EXISTS from the source');
    }
    return operations(
      [
        {
          op: 'rename-column',
          schema: relation.schema,
          table: relation.name,
          column: s.subname ?? '',
          to: s.newname ?? '',
          instant: false,
        },
      ],
      'rename-column: a copy under the new name kept in sync both ways by triggers, so code using either name works until contract drops the old one',
    );
  }
  if (s.renameType === 'OBJECT_INDEX') {
    const from = nameKey(relation);
    const table = scope.context.indexTables.get(from);
    if (table !== undefined) {
      scope.context.indexTables.delete(from);
      scope.context.indexTables.set(nameKey({ schema: relation.schema, name: s.newname ?? '' }), table);
    }
  }
  return plainSql('expand', catalogOnly);
}
