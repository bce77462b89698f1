// The one registry of operations. Adding an operation: one file, one entry here.
import { addColumn } from './add-column.js';
import type { Operation, PreflightContext } from './operation.js';
import type { OperationPlan } from './plan.js';
import type { OperationSpec } from '../spec/migration-spec.js';
import type { QualifiedName } from '../db/quote.js';

export const operations = [addColumn] as const;

/** Dispatches on `op`, keeping each operation's own spec type. */
function withOperation<R>(spec: OperationSpec, use: <S extends OperationSpec>(operation: Operation<S>, spec: S) => R): R {
  switch (spec.op) {
    case 'add-column':
      return use(addColumn, spec);
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
