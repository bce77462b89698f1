// What an operation of a spec draft creates, needs from the catalog, and when it acts, so spec-drafts.ts
// can tell when keeping two operations in one spec would break it: online pre-flights every operation
// against the catalog before the spec runs (an operation cannot need what an earlier one creates), and
// runs every expand step, then every backfill, then every contract step (so a later operation's expand
// step runs before an earlier one's contract step).
import type { Node } from 'libpg-query';
import type { OperationSpec } from '../migration-spec/migration-spec.js';

export type Phase = 0 | 1 | 2;
export const phaseNames = ['expand', 'backfill', 'contract'] as const;

const key = {
  table: (schema: string, table: string): string => `table ${schema}.${table}`,
  column: (schema: string, table: string, column: string): string => `column ${schema}.${table}.${column}`,
  type: (name: string): string => `type ${name}`,
};

/** The first and last phase the operation has steps in. */
export function phaseSpan(op: OperationSpec): { readonly first: Phase; readonly last: Phase } {
  switch (op.op) {
    case 'sql':
      return op.phase === 'expand' ? { first: 0, last: 0 } : { first: 2, last: 2 };
    case 'create-index':
    case 'create-table':
      return { first: 0, last: 0 };
    case 'add-column':
      return { first: 0, last: op.nullable && op.default === undefined && op.backfill === undefined ? 0 : 2 };
    case 'backfill':
      return { first: 1, last: 2 };
    case 'set-not-null':
      return { first: op.backfill === undefined ? 2 : 0, last: 2 };
    case 'rename-column':
      return op.instant ? { first: 2, last: 2 } : { first: 0, last: 2 };
    case 'drop-column':
    case 'drop-table':
    case 'drop-index':
      return { first: 2, last: 2 };
    default:
      return { first: 0, last: 2 };
  }
}

export const tableKey = (schema: string, table: string): string => key.table(schema, table);

/** The tables the operation touches (its own and those its foreign keys reference); undefined: unknown (raw SQL that lists none). */
export function tablesTouched(op: OperationSpec): ReadonlySet<string> | undefined {
  if (op.op === 'sql') return op.tables.length === 0 ? undefined : new Set(op.tables.map((t) => key.table(t.schema, t.table)));
  const tables = new Set([key.table(op.schema, op.table)]);
  if (op.op === 'add-foreign-key') tables.add(key.table(op.references.schema, op.references.table));
  if (op.op === 'create-table') for (const fk of op.foreignKeys ?? []) tables.add(key.table(fk.references.schema, fk.references.table));
  return tables;
}

export const isConstraintLike = (op: OperationSpec): boolean =>
  ['create-index', 'add-check', 'add-foreign-key', 'add-unique'].includes(op.op);
export const isDrop = (op: OperationSpec): boolean => ['drop-column', 'drop-table', 'drop-index'].includes(op.op);

/**
 * Whether the order of two operations' effects cannot matter, given that they do not conflict
 * (operationConflicts: no column renamed, retyped or dropped by one is used by the other) and the
 * later one needs nothing the earlier creates. Tables touched: undefined when unknown (raw SQL).
 */
export function commute(
  a: OperationSpec,
  aTables: ReadonlySet<string> | undefined,
  b: OperationSpec,
  bTables: ReadonlySet<string> | undefined,
): boolean {
  if (aTables !== undefined && bTables !== undefined && ![...aTables].some((t) => bTables.has(t))) return true;
  if (a.op === 'sql' || b.op === 'sql') return false;
  if ((isConstraintLike(a) || isConstraintLike(b)) && !isDrop(a) && !isDrop(b)) return true;
  // Schema changes of different columns: only a data change (it reads columns) or a whole table created or dropped depends on order.
  const orderFree = (op: OperationSpec): boolean => !['backfill', 'create-table', 'drop-table'].includes(op.op);
  return orderFree(a) && orderFree(b);
}

/** The identifiers of a type name as PostgreSQL reads them (`"Role"[]` → Role; `VARCHAR(20)` → varchar). */
function typeWords(type: string): string[] {
  return [...type.matchAll(/"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_$]*)/g)].map((m) =>
    m[1] !== undefined ? m[1].replaceAll('""', '"') : (m[2] ?? '').toLowerCase(),
  );
}

/** What must exist in the catalog before the spec runs for the operation to pass pre-flight. */
export function needsOf(op: OperationSpec): string[] {
  if (op.op === 'sql') return [];
  const s = op.schema;
  const t = op.table;
  const columns = (...names: readonly string[]): string[] => names.map((c) => key.column(s, t, c));
  const types = (...names: readonly string[]): string[] => names.flatMap(typeWords).map(key.type);
  switch (op.op) {
    case 'create-table': {
      const referenced = (op.foreignKeys ?? []).filter((fk) => fk.references.schema !== s || fk.references.table !== t);
      return [
        ...referenced.flatMap((fk) => [
          key.table(fk.references.schema, fk.references.table),
          ...fk.references.columns.map((c) => key.column(fk.references.schema, fk.references.table, c)),
        ]),
        ...types(...op.columns.map((c) => c.type)),
      ];
    }
    case 'add-column':
      return [key.table(s, t), ...types(op.type)];
    case 'change-type':
      return [key.table(s, t), ...columns(op.column), ...types(op.type)];
    case 'create-index':
      return [key.table(s, t), ...columns(...op.columns, ...op.include)];
    case 'add-unique':
      return [key.table(s, t), ...columns(...op.columns)];
    case 'add-foreign-key':
      return [
        key.table(s, t),
        ...columns(...op.columns),
        key.table(op.references.schema, op.references.table),
        ...op.references.columns.map((c) => key.column(op.references.schema, op.references.table, c)),
      ];
    case 'backfill':
      return [key.table(s, t), ...columns(...Object.keys(op.set))];
    case 'set-not-null':
    case 'rename-column':
    case 'drop-column':
      return [key.table(s, t), ...columns(op.column)];
    default:
      return [key.table(s, t)];
  }
}

const stringsIn = (nodes: readonly Node[] | undefined): string[] => (nodes ?? []).map((n) => ('String' in n ? (n.String.sval ?? '') : ''));

/** What a raw SQL statement creates, read from its parse tree. */
function createdByStatement(stmt: Node): string[] {
  const rel = (r: { schemaname?: string; relname?: string } | undefined): string => key.table(r?.schemaname ?? 'public', r?.relname ?? '');
  if ('CreateStmt' in stmt) {
    const r = stmt.CreateStmt.relation;
    const columns = (stmt.CreateStmt.tableElts ?? []).flatMap((e) => ('ColumnDef' in e ? [e.ColumnDef.colname ?? ''] : []));
    return [rel(r), ...columns.map((c) => key.column(r?.schemaname ?? 'public', r?.relname ?? '', c))];
  }
  if ('CreateTableAsStmt' in stmt) return [rel(stmt.CreateTableAsStmt.into?.rel)];
  if ('CreateEnumStmt' in stmt) return [key.type(stringsIn(stmt.CreateEnumStmt.typeName).at(-1) ?? '')];
  if ('CompositeTypeStmt' in stmt) return [key.type(stmt.CompositeTypeStmt.typevar?.relname ?? '')];
  if ('CreateDomainStmt' in stmt) return [key.type(stringsIn(stmt.CreateDomainStmt.domainname).at(-1) ?? '')];
  if ('CreateRangeStmt' in stmt) return [key.type(stringsIn(stmt.CreateRangeStmt.typeName).at(-1) ?? '')];
  if ('ViewStmt' in stmt) return [rel(stmt.ViewStmt.view)];
  if ('AlterTableStmt' in stmt) {
    const r = stmt.AlterTableStmt.relation;
    return (stmt.AlterTableStmt.cmds ?? []).flatMap((c) => {
      const def = 'AlterTableCmd' in c && c.AlterTableCmd.subtype === 'AT_AddColumn' ? c.AlterTableCmd.def : undefined;
      return def !== undefined && 'ColumnDef' in def
        ? [key.column(r?.schemaname ?? 'public', r?.relname ?? '', def.ColumnDef.colname ?? '')]
        : [];
    });
  }
  if ('RenameStmt' in stmt && stmt.RenameStmt.renameType === 'OBJECT_COLUMN') {
    const r = stmt.RenameStmt.relation;
    return [key.column(r?.schemaname ?? 'public', r?.relname ?? '', stmt.RenameStmt.newname ?? '')];
  }
  if ('RenameStmt' in stmt && stmt.RenameStmt.renameType === 'OBJECT_TABLE') {
    return [key.table(stmt.RenameStmt.relation?.schemaname ?? 'public', stmt.RenameStmt.newname ?? '')];
  }
  return [];
}

/** What the operation creates that a later operation's pre-flight could need; raw SQL is read from its statement's parse tree. */
export function createdBy(op: OperationSpec, statement: Node): string[] {
  switch (op.op) {
    case 'sql':
      return createdByStatement(statement);
    case 'create-table':
      return [key.table(op.schema, op.table), ...op.columns.map((c) => key.column(op.schema, op.table, c.name))];
    case 'add-column':
      return [key.column(op.schema, op.table, op.column)];
    case 'rename-column':
      return [key.column(op.schema, op.table, op.to)];
    default:
      return [];
  }
}
