// `CREATE TABLE` → create-table when every clause maps exactly onto its fields (columns with type,
// NOT NULL, DEFAULT and identity; the primary key, unique constraints and foreign keys unnamed or
// named as PostgreSQL would name them; named CHECKs), else the statement as written, in expand, with
// a rollback that drops it: a new table is invisible until the step commits, so creating it is safe.
// Either way later statements of the migration on this table are known to touch a new, empty table.
import type { ColumnDef, Constraint, Node } from 'libpg-query';
import type { CreateTableSpec } from '../../operations/create-table.js';
import { quoteQualified, type QualifiedName } from '../../sql-text/quote.js';
import type { StatementTranslation } from '../import-types.js';
import { actions, inexpressible, names } from './constraint-translation.js';
import { expressionText, typeText, type StatementSource } from './source-text.js';
import { nameKey, operations, plainSql, postgresDefaultName, relationName, sqlTable, type MigrationScope } from './translation-scope.js';

type Column = CreateTableSpec['columns'][number];
type ForeignKey = NonNullable<CreateTableSpec['foreignKeys']>[number];
type Check = NonNullable<CreateTableSpec['checks']>[number];

interface Draft {
  readonly table: QualifiedName;
  readonly columns: Column[];
  primaryKey?: string[];
  readonly unique: string[][];
  readonly checks: Check[];
  readonly foreignKeys: ForeignKey[];
}

const serialTypes = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/** Why this constraint does not map, or undefined once it is added to the draft. */
async function addConstraint(source: StatementSource, draft: Draft, c: Constraint, column?: string): Promise<string | undefined> {
  const clause = inexpressible(c);
  if (clause !== undefined) return clause;
  const keys = column === undefined ? names(c.keys) : [column];
  const table = draft.table.name;
  switch (c.contype) {
    case 'CONSTR_PRIMARY':
      if (c.conname !== undefined && c.conname !== postgresDefaultName(table, [], 'pkey'))
        return 'a primary key named otherwise than <table>_pkey';
      if (draft.primaryKey !== undefined) return 'two primary keys';
      draft.primaryKey = keys;
      return undefined;
    case 'CONSTR_UNIQUE':
      if (c.conname !== undefined && c.conname !== postgresDefaultName(table, keys, 'key'))
        return 'a unique constraint named otherwise than PostgreSQL would';
      draft.unique.push(keys);
      return undefined;
    case 'CONSTR_CHECK': {
      const check = c.raw_expr === undefined ? undefined : await expressionText(source, c.raw_expr);
      if (check === undefined) return 'a CHECK that could not be read back exactly';
      if (c.conname === undefined && column !== undefined) return 'an unnamed column CHECK (PostgreSQL names it after the column)';
      draft.checks.push({ ...(c.conname === undefined ? {} : { name: c.conname }), check });
      return undefined;
    }
    case 'CONSTR_FOREIGN': {
      const referenced = relationName(c.pktable);
      const referencedColumns = names(c.pk_attrs);
      const columns = column === undefined ? names(c.fk_attrs) : [column];
      if (referencedColumns.length === 0) return 'a foreign key that does not name the referenced columns';
      const onDelete = c.fk_del_action === undefined || c.fk_del_action === 'a' ? undefined : actions[c.fk_del_action];
      const onUpdate = c.fk_upd_action === undefined || c.fk_upd_action === 'a' ? undefined : actions[c.fk_upd_action];
      draft.foreignKeys.push({
        ...(c.conname === undefined ? {} : { name: c.conname }),
        columns,
        references: { schema: referenced.schema, table: referenced.name, columns: referencedColumns },
        ...(onDelete === undefined ? {} : { onDelete }),
        ...(onUpdate === undefined ? {} : { onUpdate }),
      });
      return undefined;
    }
    default:
      return `a ${(c.contype ?? '').replace('CONSTR_', '').toLowerCase()} constraint`;
  }
}

async function addColumn(source: StatementSource, draft: Draft, def: ColumnDef): Promise<string | undefined> {
  const name = def.colname ?? '';
  const typeName = def.typeName;
  const last = typeName?.names?.at(-1);
  if (typeName?.names?.length === 1 && last !== undefined && 'String' in last && serialTypes.has(last.String.sval ?? ''))
    return 'a serial column';
  if (def.collClause !== undefined || def.storage !== undefined || def.compression !== undefined) return 'COLLATE, STORAGE or COMPRESSION';
  const type = typeName === undefined ? undefined : await typeText(source, typeName);
  if (type === undefined) return 'a type that could not be read back exactly';
  const column: { name: string; type: string; nullable: boolean; default?: string; identity?: 'always' | 'by default' } = {
    name,
    type,
    nullable: true,
  };
  for (const node of def.constraints ?? []) {
    if (!('Constraint' in node)) return 'an unreadable column constraint';
    const c = node.Constraint;
    if (c.contype === 'CONSTR_NOTNULL') column.nullable = false;
    else if (c.contype === 'CONSTR_NULL') column.nullable = true;
    else if (c.contype === 'CONSTR_DEFAULT') {
      const text = c.raw_expr === undefined ? undefined : await expressionText(source, c.raw_expr);
      if (text === undefined) return 'a DEFAULT that could not be read back exactly';
      column.default = text;
    } else if (c.contype === 'CONSTR_IDENTITY') {
      if ((c.options ?? []).length > 0) return 'identity sequence options';
      column.identity = c.generated_when === 'a' ? 'always' : 'by default';
    } else {
      const why = await addConstraint(source, draft, c, name);
      if (why !== undefined) return why;
    }
  }
  draft.columns.push(column);
  return undefined;
}

/** Why the statement does not map onto create-table, or undefined with the draft filled. */
async function mapOnto(source: StatementSource, draft: Draft): Promise<string | undefined> {
  const stmt = source.stmt;
  if (!('CreateStmt' in stmt)) return 'not a CREATE TABLE';
  const s = stmt.CreateStmt;
  if (s.if_not_exists === true) return 'IF NOT EXISTS';
  if (s.relation?.relpersistence !== 'p') return 'TEMPORARY or UNLOGGED';
  if ((s.inhRelations ?? []).length > 0 || s.partbound !== undefined || s.partspec !== undefined || s.ofTypename !== undefined) {
    return 'INHERITS, PARTITION BY / OF or OF <type>';
  }
  if ((s.options ?? []).length > 0 || s.tablespacename !== undefined || s.accessMethod !== undefined) return 'WITH, TABLESPACE or USING';
  for (const element of s.tableElts ?? ([] as Node[])) {
    const why =
      'ColumnDef' in element
        ? await addColumn(source, draft, element.ColumnDef)
        : 'Constraint' in element
          ? await addConstraint(source, draft, element.Constraint)
          : 'LIKE';
    if (why !== undefined) return why;
  }
  return draft.columns.length === 0 ? 'no columns' : undefined;
}

export async function createTable(source: StatementSource, scope: MigrationScope): Promise<StatementTranslation> {
  const stmt = source.stmt;
  if (!('CreateStmt' in stmt)) throw new Error('not a CREATE TABLE');
  const table = relationName(stmt.CreateStmt.relation);
  const draft: Draft = { table, columns: [], unique: [], checks: [], foreignKeys: [] };
  const why = await mapOnto(source, draft);
  // IF NOT EXISTS: the table may be older than this migration (and full of rows), so later statements
  // on it are not known to touch a new, empty table, and rollback must not drop it.
  const ifNotExists = stmt.CreateStmt.if_not_exists === true;
  if (!ifNotExists) scope.newTables.add(nameKey(table));
  if (why !== undefined) {
    return plainSql(
      'expand',
      `a new table is invisible until its step commits, so creating it is safe; kept as written because create-table cannot express ${why}`,
      {
        tables: [sqlTable(table)],
        ...(ifNotExists ? {} : { rollback: [`drop table if exists ${quoteQualified(table)}`] }),
      },
    );
  }
  const spec: CreateTableSpec = {
    op: 'create-table',
    schema: table.schema,
    table: table.name,
    columns: draft.columns,
    ...(draft.primaryKey === undefined ? {} : { primaryKey: draft.primaryKey }),
    ...(draft.unique.length === 0 ? {} : { unique: draft.unique }),
    ...(draft.checks.length === 0 ? {} : { checks: draft.checks }),
    ...(draft.foreignKeys.length === 0 ? {} : { foreignKeys: draft.foreignKeys }),
  };
  return operations([spec], 'create-table: a new table is invisible until its step commits; rollback drops it');
}
