// rename-column: rename a column while old and new application versions both run. The new name is
// added as a copy that two-way triggers keep equal to the old one, whichever name a writer uses (see
// column-rebuild.ts for every step and lock); contract drops the old column. Indexes, constraints,
// foreign keys, the default and sequence or identity move to the new column with their names.
//
// `instant: true` is a plain `ALTER TABLE … RENAME COLUMN` in contract instead: catalog only, under
// lock_timeout, but every query, prepared statement, ORM model or function body still using the old
// name fails from that moment on (views, indexes and constraints follow the rename).
import { findColumn } from '../catalog/describe-table.js';
import { displayName, quoteIdent, quoteQualified } from '../sql-text/quote.js';
import { ColumnExistsError, PreflightError } from '../errors/index.js';
import { z } from 'zod';
import { identifier } from '../sql-text/identifier.js';
import { planColumnRebuild } from './column-rebuild.js';
import { prepareColumnRebuild, readTarget } from './column-rebuild-preflight.js';
import type { Operation } from './operation.js';
import { columnFlag, schemaFlag, tableFlag } from './shared-flags.js';
import type { OperationPlan } from '../plan/plan.js';
import { requireNotPartition, requireTable } from '../preflight/table-checks.js';

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

export function planInstantRename(spec: RenameColumnSpec): OperationPlan {
  const t = quoteQualified({ schema: spec.schema, name: spec.table });
  return {
    expand: [],
    backfill: [],
    contract: [
      {
        description: `rename column ${spec.column} to ${spec.to} (code still using ${spec.column} fails from now on)`,
        statements: [`alter table ${t} rename column ${quoteIdent(spec.column)} to ${quoteIdent(spec.to)}`],
        locks: `ACCESS EXCLUSIVE on ${spec.table}, brief: catalog only`,
      },
    ],
    rollback: [],
  };
}

export const renameColumn = {
  op: 'rename-column',
  schema: renameColumnSpec,
  shorthand: [
    schemaFlag,
    tableFlag,
    columnFlag,
    { flag: 'to', field: ['to'], value: 'text', summary: 'The new name (rename-column).' },
    {
      flag: 'instant',
      field: ['instant'],
      value: 'true-when-given',
      summary:
        'rename-column with a plain RENAME in contract: every query, ORM model or function still using the old name fails from that moment.',
    },
  ],
  defaultName: (spec) => `rename-column-${spec.table}-${spec.column}-to-${spec.to}`,
  tables: (spec) => [{ schema: spec.schema, name: spec.table }],
  async prepare(ctx, spec) {
    const table = await requireTable(ctx.sql, { schema: spec.schema, name: spec.table });
    const column = findColumn(table, spec.column);
    if (column === undefined) throw new PreflightError('COLUMN_NOT_FOUND', `column ${spec.column} does not exist on ${displayName(table)}`);
    if (findColumn(table, spec.to) !== undefined) throw new ColumnExistsError(displayName(table), spec.to);
    requireNotPartition(table, 'rename a column of');
    if (spec.instant) return planInstantRename(spec);
    const target = await readTarget(ctx.sql, {
      table,
      column: spec.column,
      shadow: spec.to,
      type: column.type,
      using: quoteIdent(spec.column),
    });
    const { rebuild, warnings } = await prepareColumnRebuild(ctx, [target], { sync: 'two-way', renameShadow: false });
    return { ...planColumnRebuild(rebuild), warnings };
  },
} satisfies Operation<RenameColumnSpec>;
