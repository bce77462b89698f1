// Data changes. `UPDATE` on an existing table → backfill: keyset batches, each row once, throttled and
// resumable, instead of one transaction holding every row it touched. `INSERT` stays SQL in expand: it
// takes ROW EXCLUSIVE, which conflicts with no writer, and only its own new rows are locked (a small
// lookup insert is the usual case; a large INSERT … SELECT is one long transaction, said in the note).
// `DELETE` stays SQL in contract (rows go after the application stopped needing them): it locks the
// rows it deletes until the step commits. On a table created earlier in the migration, all stay SQL.
import type { Node, ResTarget } from 'libpg-query';
import type { StatementTranslation } from '../import-types.js';
import { names } from './constraint-translation.js';
import { expressionText, type StatementSource } from './source-text.js';
import { isNewTable, onNewTable, operations, plainSql, refused, relationName, sqlTable, type MigrationScope } from './translation-scope.js';

/** The column names an expression reads (unqualified or qualified by anything: the last field). */
function columnsRead(expression: Node | undefined): Set<string> {
  const read = new Set<string>();
  JSON.stringify(expression, (key, value: unknown) => {
    if (key === 'ColumnRef') {
      const fields = names((value as { fields?: Node[] }).fields);
      const last = fields.at(-1);
      if (last !== undefined && last !== '') read.add(last);
    }
    return value;
  });
  return read;
}

async function update(source: StatementSource, scope: MigrationScope): Promise<StatementTranslation> {
  const stmt = source.stmt;
  if (!('UpdateStmt' in stmt)) throw new Error('not an UPDATE');
  const s = stmt.UpdateStmt;
  const table = relationName(s.relation);
  if (isNewTable(scope, table)) return onNewTable(table);
  if (
    s.withClause !== undefined ||
    (s.fromClause ?? []).length > 0 ||
    s.returningClause !== undefined ||
    s.relation?.inh === false ||
    s.relation?.alias !== undefined
  ) {
    return refused(
      'a backfill sets columns from expressions over the row itself: WITH, FROM, RETURNING, ONLY and a table alias have no place in it',
      'rewrite the UPDATE with subqueries in SET/WHERE if it must join, and write the backfill operation by hand',
    );
  }
  const targets: ResTarget[] = (s.targetList ?? []).flatMap((n) => ('ResTarget' in n ? [n.ResTarget] : []));
  const set: Record<string, string> = {};
  for (const t of targets) {
    const val = t.val;
    if (t.indirection !== undefined || val === undefined || 'MultiAssignRef' in val || 'SetToDefault' in val) {
      return refused(
        'SET (a, b) = …, SET a[1] = … and SET a = DEFAULT cannot be expressed by backfill',
        'set each column to an expression: SET a = …, b = …',
      );
    }
    const text = await expressionText(source, val);
    if (text === undefined)
      return refused('a SET expression could not be read back exactly from the source', 'write the backfill operation by hand');
    set[t.name ?? ''] = text;
  }
  const setColumns = new Set(Object.keys(set));
  const selfReading = targets.find((t) => [...columnsRead(t.val)].some((c) => setColumns.has(c)));
  if (selfReading !== undefined) {
    return refused(
      `the new value of ${selfReading.name ?? ''} is computed from a column the UPDATE sets: a backfill decides which rows still need work by comparing each column with its expression, which for a non-idempotent update (n = n + 1) never stops differing`,
      'write the backfill by hand with a `where` that stops matching once a row is updated (e.g. a marker column), or an add-column with `backfill:` into a new column',
    );
  }
  const where = s.whereClause === undefined ? undefined : await expressionText(source, s.whereClause);
  if (s.whereClause !== undefined && where === undefined)
    return refused('the WHERE could not be read back exactly from the source', 'write the backfill operation by hand');
  return operations(
    [{ op: 'backfill', schema: table.schema, table: table.name, set, ...(where === undefined ? {} : { where }) }],
    'backfill: the UPDATE in keyset batches (each row once, throttled, resumable after a kill) instead of one transaction locking every row it touches; no trigger: deploy the application that writes the new values first' +
      (where === undefined ? '' : '; the WHERE must stop matching a row once it is updated, or complete refuses'),
  );
}

export async function dataChange(source: StatementSource, scope: MigrationScope): Promise<StatementTranslation> {
  const stmt = source.stmt;
  if ('UpdateStmt' in stmt) return update(source, scope);
  if ('InsertStmt' in stmt) {
    const table = relationName(stmt.InsertStmt.relation);
    if (isNewTable(scope, table)) return onNewTable(table);
    const select = stmt.InsertStmt.selectStmt;
    const values = select !== undefined && 'SelectStmt' in select && (select.SelectStmt.valuesLists ?? []).length > 0;
    return plainSql(
      'expand',
      `INSERT takes ROW EXCLUSIVE, which blocks no reader or writer, and locks only its new rows${values ? ' (a few literal rows)' : '; an INSERT … SELECT runs as one transaction: keep it small'}`,
      { tables: [sqlTable(table)] },
    );
  }
  if ('DeleteStmt' in stmt) {
    const table = relationName(stmt.DeleteStmt.relation);
    if (isNewTable(scope, table)) return onNewTable(table);
    if (stmt.DeleteStmt.whereClause === undefined) {
      return refused(
        'DELETE without WHERE locks every row of the table until it commits: every update of them waits',
        'delete in batches outside the migration, or drop the table (drop-table) if it is no longer used',
      );
    }
    return plainSql(
      'contract',
      'DELETE locks only the rows it deletes, until the step commits; kept as plain SQL in contract (after the application stopped using them): keep it to a few rows',
      {
        tables: [sqlTable(table)],
      },
    );
  }
  if ('TruncateStmt' in stmt) {
    const tables = (stmt.TruncateStmt.relations ?? []).flatMap((n) => ('RangeVar' in n ? [relationName(n.RangeVar)] : []));
    if (tables.every((t) => isNewTable(scope, t))) return onNewTable(tables[0] ?? { schema: 'public', name: '' });
    return refused(
      'TRUNCATE takes ACCESS EXCLUSIVE and empties the table for every reader at once',
      'stop the application using the table first, then drop or truncate it outside the migration',
    );
  }
  throw new Error('not a data change');
}
