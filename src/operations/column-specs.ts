// The spec schemas of the column operations (change-type, rename-column, drop-column), kept apart from
// their planning so the registry, the spec union and the CLI share one definition.
import { z } from 'zod';
import { identifier, sqlExpression } from '../sql-text/identifier.js';

export const changeTypeSpec = z
  .object({
    op: z.literal('change-type'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table of the column'),
    column: identifier.describe('column whose type changes'),
    type: z.string().trim().min(1, 'must not be empty').describe('the new SQL type, e.g. bigint'),
    using: sqlExpression
      .optional()
      .describe(
        'SQL expression over the row giving the new value, e.g. status::int; default: the column, converted by assignment as ALTER COLUMN TYPE does',
      ),
    default: sqlExpression
      .optional()
      .describe('default of the column after the change; default: the old default, which must suit the new type'),
  })
  .strict();
export type ChangeTypeSpec = z.infer<typeof changeTypeSpec>;

export const renameColumnSpec = z
  .object({
    op: z.literal('rename-column'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table of the column'),
    column: identifier.describe('column to rename'),
    to: identifier.describe('the new name'),
    instant: z
      .boolean()
      .default(false)
      .describe(
        'a plain RENAME in contract (catalog only, under lock_timeout) instead of a synced copy: code using the old name breaks at once',
      ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.to === spec.column) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must differ from column' });
  });
export type RenameColumnSpec = z.infer<typeof renameColumnSpec>;

export const dropColumnSpec = z
  .object({
    op: z.literal('drop-column'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table of the column'),
    column: identifier.describe('column to drop'),
    cascade: z.boolean().default(false).describe('also drop the views, constraints and foreign keys that depend on the column'),
  })
  .strict();
export type DropColumnSpec = z.infer<typeof dropColumnSpec>;
