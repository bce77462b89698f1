// The migration spec: a name and a list of operations, each validated by its operation's own schema
// (the union is built from the registry in operations/index.ts).
import { z } from 'zod';
import { operationSchemas, type OperationSpec } from '../operations/index.js';
import { operationConflicts } from './operation-conflicts.js';

/** One operation, validated by the schema its `op` names in the registry. */
export const operationSpec = z.discriminatedUnion('op', operationSchemas);
export type { OperationSpec };

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
