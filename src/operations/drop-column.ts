// drop-column: contract only. The application must stop reading and writing the column BEFORE the
// contract runs (deploy the code that no longer uses it first): `online start` only checks and records
// the migration, changing nothing, and `online complete` drops the column. Expand, backfill and
// rollback are empty; a drop cannot be undone, so there is nothing to roll back to once it ran.
//
// The drop is one locked step: ALTER TABLE … DROP COLUMN takes ACCESS EXCLUSIVE on the table, but only
// for a catalog change (no rewrite, no scan: the space is reclaimed as rows are rewritten later), run
// under lock_timeout with retries so writers queue behind it for at most about that long. With
// cascade, the foreign keys on the column go too, which takes ACCESS EXCLUSIVE on the tables at their
// other ends: the step then opens with a LOCK TABLE of the table and of each of those, in that order.
//
// Pre-flight refuses (exit 2) while anything else depends on the column, naming each dependant:
// views and materialized views, the primary key, unique and exclusion constraints, foreign keys (this
// table's, and other tables' referencing the column), CHECKs over other columns too, policies,
// triggers (UPDATE OF, WHEN), statistics, generated columns, functions… PostgreSQL would silently drop
// some of these (a key, a constraint); a migration should not lose them unasked. `cascade: true` drops
// them with the column (`drop column … cascade`), and start warns which ones. What is part of the
// column only goes with it and is named in the plan: its default, NOT NULL, owned sequence, plain
// indexes on it and CHECKs on it alone. Dependants created between start and complete make the
// contract fail (without cascade) or are dropped too (with it).
import { findColumn } from '../catalog/describe-table.js';
import { columnDependants, isInheritedColumn, requireNoDependants } from '../catalog/dependants.js';
import { planCascadingDrop, type DropFacts } from './drop-plan.js';
import { displayName, quoteIdent, quoteQualified } from '../sql-text/quote.js';
import { tablesLockedByColumnDrop } from '../ddl/drop-locks.js';
import { lockTablesFirst } from '../ddl/lock-tables-first.js';
import { PreflightError } from '../errors/index.js';
import { z } from 'zod';
import { identifier } from '../sql-text/identifier.js';
import type { Operation } from './operation.js';
import { cascadeFlag, columnFlag, schemaFlag, tableFlag } from './shared-flags.js';
import type { OperationPlan } from '../plan/plan.js';
import { requireTable } from '../preflight/table-checks.js';

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

/** Pure planning: the exact SQL of every phase. */
export function planDropColumn(spec: DropColumnSpec, facts: DropFacts): OperationPlan {
  const table = { schema: spec.schema, name: spec.table };
  const others = facts.alsoLocks.map((t) => t.name);
  return planCascadingDrop(
    `column ${spec.column} of ${displayName(table)}`,
    `alter table ${quoteQualified(table)} drop column if exists ${quoteIdent(spec.column)}`,
    `ACCESS EXCLUSIVE on ${[spec.table, ...others].join(', ')}, brief: catalog only (no rewrite, no scan)`,
    spec.cascade,
    facts,
    lockTablesFirst([table, ...facts.alsoLocks].map((t) => ({ table: t, mode: 'access exclusive' }))),
  );
}

export const dropColumn = {
  op: 'drop-column',
  schema: dropColumnSpec,
  shorthand: [schemaFlag, tableFlag, columnFlag, cascadeFlag],
  defaultName: (spec) => `drop-column-${spec.table}-${spec.column}`,
  tables: (spec) => [{ schema: spec.schema, name: spec.table }],
  async prepare({ sql }, spec) {
    const table = await requireTable(sql, { schema: spec.schema, name: spec.table });
    if (findColumn(table, spec.column) === undefined)
      throw new PreflightError('COLUMN_NOT_FOUND', `column ${spec.column} does not exist on ${displayName(table)}`);
    if (await isInheritedColumn(sql, table, spec.column)) {
      throw new PreflightError(
        'INHERITED_COLUMN',
        `column ${spec.column} of ${displayName(table)} is inherited from a parent table; drop it from the parent`,
      );
    }
    const reach = await columnDependants(sql, table, spec.column);
    if (!spec.cascade) requireNoDependants(`column ${spec.column} of ${displayName(table)}`, reach.dependants);
    return planDropColumn(spec, { ...reach, alsoLocks: await tablesLockedByColumnDrop(sql, table, spec.column) });
  },
} satisfies Operation<DropColumnSpec>;
