// The spec schemas of the table operations (create-table, drop-table), kept apart from their planning
// so the registry, the spec union and the CLI share one definition.
import { z } from 'zod';
import { identifier, sqlExpression } from '../sql-text/identifier.js';
import { referentialActions } from './constraint-specs.js';

export const tableColumnSpec = z
  .object({
    name: identifier.describe('column name'),
    type: z.string().trim().min(1, 'must not be empty').describe('SQL type, e.g. bigint, text, numeric(10,2)'),
    nullable: z.boolean().default(true).describe('false makes the column NOT NULL'),
    default: sqlExpression.optional().describe('SQL default expression'),
    identity: z.enum(['always', 'by default']).optional().describe('GENERATED … AS IDENTITY'),
  })
  .strict();
export type TableColumnSpec = z.infer<typeof tableColumnSpec>;

export const createTableSpec = z
  .object({
    op: z.literal('create-table'),
    schema: identifier.default('public').describe('schema of the new table'),
    table: identifier.describe('name of the new table'),
    columns: z.array(tableColumnSpec).min(1, 'needs at least one column').describe('the columns, in order'),
    primaryKey: z.array(identifier).min(1, 'needs at least one column').optional().describe('primary key columns'),
    unique: z
      .array(z.array(identifier).min(1, 'needs at least one column'))
      .optional()
      .describe('unique constraints, each a list of columns'),
    checks: z
      .array(z.object({ name: identifier.optional(), check: sqlExpression.describe('boolean SQL expression over the row') }).strict())
      .optional()
      .describe('CHECK constraints'),
    foreignKeys: z
      .array(
        z
          .object({
            name: identifier.optional(),
            columns: z.array(identifier).min(1, 'needs at least one column'),
            references: z
              .object({
                schema: identifier.default('public'),
                table: identifier,
                columns: z.array(identifier).min(1, 'needs at least one column'),
              })
              .strict(),
            onDelete: z.enum(referentialActions).optional(),
            onUpdate: z.enum(referentialActions).optional(),
          })
          .strict(),
      )
      .optional()
      .describe('foreign keys to existing tables'),
  })
  .strict();
export type CreateTableSpec = z.infer<typeof createTableSpec>;

export const dropTableSpec = z
  .object({
    op: z.literal('drop-table'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table to drop'),
    cascade: z.boolean().default(false).describe('also drop the views and foreign keys that depend on the table'),
  })
  .strict();
export type DropTableSpec = z.infer<typeof dropTableSpec>;
