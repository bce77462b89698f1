// The spec schemas of the data and raw-SQL operations (backfill, sql), kept apart from their planning
// so the registry, the spec union and the CLI share one definition.
import { z } from 'zod';
import { identifier, sqlExpression } from '../sql-text/identifier.js';

export const backfillSpec = z
  .object({
    op: z.literal('backfill'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table whose rows are updated'),
    set: z
      .record(identifier, sqlExpression)
      .refine((set) => Object.keys(set).length > 0, 'must set at least one column')
      .describe('column: SQL expression over the row giving its new value'),
    where: sqlExpression
      .optional()
      .describe('which rows need work (SQL over the row); default: rows where some set column differs from its expression'),
    verify: sqlExpression
      .optional()
      .describe('a SELECT that must return no rows before the migration can complete, e.g. select id from tickets where status not in (…)'),
  })
  .strict();
export type BackfillSpec = z.infer<typeof backfillSpec>;

export const sqlSpec = z
  .object({
    op: z.literal('sql'),
    phase: z.enum(['expand', 'contract']).describe('when the SQL runs: expand (start) or contract (complete); there is no default'),
    sql: z
      .union([sqlExpression, z.array(sqlExpression).min(1, 'needs at least one statement')])
      .describe('one SQL statement, or a list run in order in one transaction under lock_timeout'),
    rollback: z
      .union([sqlExpression, z.array(sqlExpression).min(1, 'needs at least one statement')])
      .optional()
      .describe('SQL that undoes an expand-phase sql on `online rollback`'),
    tables: z
      .array(z.object({ schema: identifier.default('public'), table: identifier }).strict())
      .default([])
      .describe('tables the SQL changes, so no other migration runs on them at the same time'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.phase === 'contract' && spec.rollback !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['rollback'],
        message: 'contract cannot be rolled back; rollback SQL belongs to a phase: expand sql',
      });
    }
  });
export type SqlSpec = z.infer<typeof sqlSpec>;
