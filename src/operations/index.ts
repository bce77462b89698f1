// The one registry of operations. Adding an operation: one file, one entry here; the spec union, the
// JSON Schema and the `online start <op>` flags are all built from this list.
import type { z } from 'zod';
import { addCheck } from './add-check.js';
import { addColumn } from './add-column.js';
import { addForeignKey } from './add-foreign-key.js';
import { addUnique } from './add-unique.js';
import { attachPartition } from './attach-partition.js';
import { backfill } from './backfill.js';
import { changeType } from './change-type.js';
import { createPartition } from './create-partition.js';
import { createTable } from './create-table.js';
import { createIndex } from './create-index.js';
import { detachPartition } from './detach-partition.js';
import { dropColumn } from './drop-column.js';
import { dropIndex } from './drop-index.js';
import { dropTable } from './drop-table.js';
import type { Operation, PreflightContext } from './operation.js';
import type { OperationPlan } from '../plan/plan.js';
import { rawSql } from './raw-sql.js';
import { renameColumn } from './rename-column.js';
import { setNotNull } from './set-not-null.js';
import type { QualifiedName } from '../sql-text/quote.js';
import { SpecError } from '../errors/index.js';

/** In this order in the spec union, the JSON Schema and `online start --help`. */
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
  createPartition,
  attachPartition,
  detachPartition,
  backfill,
  rawSql,
] as const;

/** One operation of a spec: any registered operation's spec. */
export type OperationSpec = z.infer<(typeof operations)[number]['schema']>;

/** The options of the spec union, as zod wants them: a non-empty tuple. */
export const operationSchemas = [operations[0].schema, ...operations.slice(1).map((operation) => operation.schema)] as const;

function operationOf(spec: OperationSpec): Operation<OperationSpec> {
  const operation = operations.find((o) => o.op === spec.op);
  // Only a spec that skipped validation (e.g. one stored by another version) gets here.
  if (operation === undefined) throw new SpecError(`(operation ${spec.op})`, [`unknown op "${spec.op}"`]);
  return operation;
}

export function defaultMigrationName(spec: OperationSpec): string {
  return operationOf(spec).defaultName(spec);
}

export function tablesOf(spec: OperationSpec): readonly QualifiedName[] {
  return operationOf(spec).tables(spec);
}

export function prepareOperation(ctx: PreflightContext, spec: OperationSpec): Promise<OperationPlan> {
  return operationOf(spec).prepare(ctx, spec);
}
