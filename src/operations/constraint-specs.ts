// The spec schemas of the constraint operations (add-unique, add-check, add-foreign-key, set-not-null),
// kept apart from their planning so the registry, the spec union and the CLI share one definition.
import { z } from 'zod';
import { identifier, sqlExpression } from '../sql-text/identifier.js';

export const addUniqueSpec = z
  .object({
    op: z.literal('add-unique'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table to constrain'),
    columns: z.array(identifier).min(1, 'needs at least one column').describe('columns that must be unique together'),
    name: identifier.optional().describe('constraint (and index) name; default <table>_<columns>_key'),
  })
  .strict();
export type AddUniqueSpec = z.infer<typeof addUniqueSpec>;

export const addCheckSpec = z
  .object({
    op: z.literal('add-check'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table to constrain'),
    check: sqlExpression.describe('boolean SQL expression over the row, e.g. amount >= 0'),
    name: identifier.optional().describe('constraint name; default <table>_<hash>_check'),
  })
  .strict();
export type AddCheckSpec = z.infer<typeof addCheckSpec>;

export const referentialActions = ['no action', 'restrict', 'cascade', 'set null', 'set default'] as const;

export const addForeignKeySpec = z
  .object({
    op: z.literal('add-foreign-key'),
    schema: identifier.default('public').describe('schema of the referencing table'),
    table: identifier.describe('referencing table'),
    columns: z.array(identifier).min(1, 'needs at least one column').describe('referencing columns'),
    references: z
      .object({
        schema: identifier.default('public'),
        table: identifier.describe('referenced table'),
        columns: z
          .array(identifier)
          .min(1, 'needs at least one column')
          .describe('referenced columns (a primary key or unique constraint)'),
      })
      .strict(),
    onDelete: z.enum(referentialActions).optional(),
    onUpdate: z.enum(referentialActions).optional(),
    name: identifier.optional().describe('constraint name; default <table>_<columns>_fkey'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.columns.length !== spec.references.columns.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['references', 'columns'],
        message: `must list as many columns as columns (${spec.columns.length})`,
      });
    }
  });
export type AddForeignKeySpec = z.infer<typeof addForeignKeySpec>;

export const setNotNullSpec = z
  .object({
    op: z.literal('set-not-null'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table of the column'),
    column: identifier.describe('column to make NOT NULL'),
    backfill: sqlExpression
      .optional()
      .describe('SQL expression over the row that fills existing NULLs first (through the backfill engine)'),
  })
  .strict();
export type SetNotNullSpec = z.infer<typeof setNotNullSpec>;
