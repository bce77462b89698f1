// The migration spec: a name and a list of operations, each validated by its operation's own schema.
import { z } from 'zod';
import { addColumnSpec } from '../operations/add-column.js';
import { addCheckSpec, addForeignKeySpec, addUniqueSpec, setNotNullSpec } from '../operations/constraint-specs.js';
import { createIndexSpec } from '../operations/create-index.js';
import { dropIndexSpec } from '../operations/drop-index.js';
import { changeTypeSpec, dropColumnSpec, renameColumnSpec } from '../operations/column-specs.js';
import { backfillSpec, sqlSpec } from '../operations/data-specs.js';
import { createTableSpec, dropTableSpec } from '../operations/table-specs.js';
import { operationConflicts } from './operation-conflicts.js';

export const operationSpec = z.discriminatedUnion('op', [
  addColumnSpec,
  createIndexSpec,
  dropIndexSpec,
  addUniqueSpec,
  addCheckSpec,
  addForeignKeySpec,
  setNotNullSpec,
  changeTypeSpec,
  renameColumnSpec,
  dropColumnSpec,
  createTableSpec,
  dropTableSpec,
  backfillSpec,
  sqlSpec,
]);
export type OperationSpec = z.infer<typeof operationSpec>;

export const migrationName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and use only letters, digits, ".", "_" and "-"');

export const migrationSpec = z
  .object({
    $schema: z.string().optional().describe('JSON Schema reference for editors; ignored'),
    name: migrationName.optional().describe('unique migration id; defaults to the file name'),
    operations: z.array(operationSpec).min(1, 'must list at least one operation'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    for (const c of operationConflicts(spec.operations)) {
      ctx.addIssue({ code: 'custom', path: ['operations', c.later], message: `conflicts with operations[${c.earlier}]: ${c.reason}` });
    }
  });

/** A validated spec whose name is always known. */
export interface MigrationSpec {
  readonly name: string;
  readonly operations: readonly OperationSpec[];
}
