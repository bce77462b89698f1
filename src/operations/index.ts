// The one registry of operations. Adding an operation: one file, one entry here.
import { addCheck } from './add-check.js';
import { addColumn } from './add-column.js';
import { addForeignKey } from './add-foreign-key.js';
import { addUnique } from './add-unique.js';
import { backfill } from './backfill.js';
import { changeType } from './change-type.js';
import { createTable } from './create-table.js';
import { createIndex } from './create-index.js';
import { dropColumn } from './drop-column.js';
import { dropIndex } from './drop-index.js';
import { dropTable } from './drop-table.js';
import type { Operation, PreflightContext } from './operation.js';
import type { OperationPlan } from '../plan/plan.js';
import { rawSql } from './raw-sql.js';
import { renameColumn } from './rename-column.js';
import { setNotNull } from './set-not-null.js';
import type { OperationSpec } from '../migration-spec/migration-spec.js';
import type { QualifiedName } from '../sql-text/quote.js';

export const operations = [
  addColumn,
  createIndex,
  dropIndex,
  addUnique,
  addCheck,
  addForeignKey,
  setNotNull,
  changeType,
  renameColumn,
  dropColumn,
  createTable,
  dropTable,
  backfill,
  rawSql,
] as const;

/** Dispatches on `op`, keeping each operation's own spec type. */
function withOperation<R>(spec: OperationSpec, use: <S extends OperationSpec>(operation: Operation<S>, spec: S) => R): R {
  switch (spec.op) {
    case 'add-column':
      return use(addColumn, spec);
    case 'create-index':
      return use(createIndex, spec);
    case 'drop-index':
      return use(dropIndex, spec);
    case 'add-unique':
      return use(addUnique, spec);
    case 'add-check':
      return use(addCheck, spec);
    case 'add-foreign-key':
      return use(addForeignKey, spec);
    case 'set-not-null':
      return use(setNotNull, spec);
    case 'change-type':
      return use(changeType, spec);
    case 'rename-column':
      return use(renameColumn, spec);
    case 'drop-column':
      return use(dropColumn, spec);
    case 'create-table':
      return use(createTable, spec);
    case 'drop-table':
      return use(dropTable, spec);
    case 'backfill':
      return use(backfill, spec);
    case 'sql':
      return use(rawSql, spec);
  }
}

export function defaultMigrationName(spec: OperationSpec): string {
  return withOperation(spec, (operation, s) => operation.defaultName(s));
}

export function tablesOf(spec: OperationSpec): readonly QualifiedName[] {
  return withOperation(spec, (operation, s) => operation.tables(s));
}

export function prepareOperation(ctx: PreflightContext, spec: OperationSpec): Promise<OperationPlan> {
  return withOperation(spec, (operation, s) => operation.prepare(ctx, s));
}
