// `CREATE [UNIQUE] INDEX [CONCURRENTLY]` → create-index (built concurrently), keeping the name, method,
// key columns and expressions, INCLUDE and WHERE exactly; a clause create-index cannot express (a sort
// order, an operator class, a collation, an expression before a column…) is refused, never dropped.
// On a table created earlier in the same migration it stays SQL: the table is empty.
import type { IndexElem, Node } from 'libpg-query';
import { indexMethods } from '../../operations/create-index.js';
import type { StatementTranslation } from '../import-types.js';
import { unqualifiedExpressionText, type StatementSource } from './source-text.js';
import {
  isNewTable,
  nameKey,
  onNewTable,
  operations,
  postgresDefaultName,
  refused,
  relationName,
  type MigrationScope,
} from './translation-scope.js';

const inexpressibleElement = (e: IndexElem): string | undefined => {
  if (e.ordering !== undefined && e.ordering !== 'SORTBY_DEFAULT') return 'a sort order (ASC/DESC)';
  if (e.nulls_ordering !== undefined && e.nulls_ordering !== 'SORTBY_NULLS_DEFAULT') return 'NULLS FIRST/LAST';
  if ((e.opclass ?? []).length > 0 || (e.opclassopts ?? []).length > 0) return 'an operator class';
  if ((e.collation ?? []).length > 0) return 'a COLLATE';
  return undefined;
};

const cannot = (what: string): StatementTranslation =>
  refused(
    `create-index cannot express ${what}, and building the index without it would give a different index`,
    'build this index outside online with CREATE INDEX CONCURRENTLY, or leave the clause out of the source',
  );

export async function createIndex(source: StatementSource, scope: MigrationScope): Promise<StatementTranslation> {
  const stmt = source.stmt;
  if (!('IndexStmt' in stmt)) throw new Error('not a CREATE INDEX');
  const s = stmt.IndexStmt;
  const table = relationName(s.relation);
  const method = s.accessMethod ?? 'btree';
  if (isNewTable(scope, table) && s.concurrent !== true) {
    if (s.idxname !== undefined) scope.context.indexTables.set(nameKey({ schema: table.schema, name: s.idxname }), table);
    return onNewTable(table);
  }
  if (s.relation?.inh === false) return cannot('ON ONLY (an index on a partitioned table alone)');
  if ((s.options ?? []).length > 0) return cannot('WITH (…) storage parameters');
  if (s.tableSpace !== undefined) return cannot('TABLESPACE');
  if (s.nulls_not_distinct === true) return cannot('NULLS NOT DISTINCT');
  if (!(indexMethods as readonly string[]).includes(method)) return cannot(`the index method ${method}`);
  const columns: string[] = [];
  const expressions: string[] = [];
  for (const param of s.indexParams ?? []) {
    if (!('IndexElem' in param)) return cannot('this key');
    const e = param.IndexElem;
    const clause = inexpressibleElement(e);
    if (clause !== undefined) return cannot(clause);
    if (e.name !== undefined) {
      if (expressions.length > 0) return cannot('a key column after a key expression (it lists columns first)');
      columns.push(e.name);
    } else {
      const text = e.expr === undefined ? undefined : await unqualifiedExpressionText(source, e.expr, table.name);
      if (text === undefined)
        return refused('an index expression could not be read back exactly from the source', 'write the create-index operation by hand');
      expressions.push(text);
    }
  }
  const include = (s.indexIncludingParams ?? []).map((n: Node) => ('IndexElem' in n ? (n.IndexElem.name ?? '') : ''));
  const where = s.whereClause === undefined ? undefined : await unqualifiedExpressionText(source, s.whereClause, table.name);
  if (s.whereClause !== undefined && where === undefined) {
    return refused(
      'the WHERE of the partial index could not be read back exactly from the source',
      'write the create-index operation by hand',
    );
  }
  const name = s.idxname ?? (expressions.length === 0 ? postgresDefaultName(table.name, columns, 'idx') : undefined);
  if (name === undefined) {
    return refused(
      'the index has no name, and the name PostgreSQL would give it cannot be known here (an expression key, or past 63 bytes)',
      'name the index in the source: CREATE INDEX <name> ON …',
    );
  }
  scope.context.indexTables.set(nameKey({ schema: table.schema, name }), table);
  const notes = [
    'create-index: CREATE INDEX CONCURRENTLY (reads and writes continue during the build; an interrupted build is detected and rebuilt)',
    ...(s.if_not_exists === true
      ? ['IF NOT EXISTS: a valid index of that name and definition is kept; one with another definition is refused in pre-flight']
      : []),
  ];
  return operations(
    [
      {
        op: 'create-index',
        schema: table.schema,
        table: table.name,
        name,
        columns,
        expressions,
        unique: s.unique === true,
        using: method as (typeof indexMethods)[number],
        include,
        ...(where === undefined ? {} : { where }),
      },
    ],
    notes.join('; '),
  );
}
