// drop-table: contract only. Nothing may use the table any more when the contract runs (retire the
// feature and deploy first): `online start` only checks and records the migration, changing nothing,
// and `online complete` drops the table. Expand, backfill and rollback are empty.
//
// The drop is one locked step under lock_timeout with retries: DROP TABLE takes ACCESS EXCLUSIVE on
// the table (and on the tables its foreign keys reference, whose triggers go, with cascade on the
// tables whose foreign keys reference it, and on the parent of a partition), for a catalog change
// only: the files are unlinked at commit, nothing is scanned. When it locks other tables, the step
// opens with a LOCK TABLE of each (by name), so only that first lock waits the full lock_timeout and
// the dropped table itself, which nothing uses any more, is taken after them, briefly. It is not
// named there: `drop table if exists` must stay a no-op for a table that is already gone.
//
// Pre-flight refuses (exit 2) while other objects depend on the table, naming each: views, foreign
// keys from other tables, inheritance children, functions and other tables' columns using its row
// type… `cascade: true` drops them with it (`drop table … cascade`), and start warns which ones. Its
// own indexes, constraints, triggers, policies, owned sequences and partitions go with it and are
// named in the plan. A table of online's own state schema is refused (requireTable).
import { requireNoDependants, tableDependants } from '../catalog/dependants.js';
import { tablesLockedByTableDrop } from '../ddl/drop-locks.js';
import { displayName, quoteQualified } from '../sql-text/quote.js';
import { z } from 'zod';
import { identifier } from '../sql-text/identifier.js';
import type { Operation } from './operation.js';
import { cascadeFlag, schemaFlag, tableFlag } from './shared-flags.js';
import type { OperationPlan } from '../plan/plan.js';
import { planCascadingDrop, type DropFacts } from './drop-plan.js';
import { lockTablesFirst } from '../ddl/lock-tables-first.js';
import { requireTable } from '../preflight/table-checks.js';

export const dropTableSpec = z
  .object({
    op: z.literal('drop-table'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table to drop'),
    cascade: z.boolean().default(false).describe('also drop the views and foreign keys that depend on the table'),
  })
  .strict();
export type DropTableSpec = z.infer<typeof dropTableSpec>;

/** Pure planning: the exact SQL of every phase. */
export function planDropTable(spec: DropTableSpec, facts: DropFacts): OperationPlan {
  const table = { schema: spec.schema, name: spec.table };
  return planCascadingDrop(
    `table ${displayName(table)}`,
    `drop table if exists ${quoteQualified(table)}`,
    `ACCESS EXCLUSIVE on ${[...facts.alsoLocks.map((t) => t.name), spec.table].join(', ')}, brief: catalog only`,
    spec.cascade,
    facts,
    lockTablesFirst(
      facts.alsoLocks.map((t) => ({ table: t, mode: 'access exclusive' })),
      1,
    ),
  );
}

export const dropTable = {
  op: 'drop-table',
  schema: dropTableSpec,
  shorthand: [schemaFlag, tableFlag, cascadeFlag],
  defaultName: (spec) => `drop-table-${spec.table}`,
  tables: (spec) => [{ schema: spec.schema, name: spec.table }],
  async prepare({ sql }, spec) {
    const table = await requireTable(sql, { schema: spec.schema, name: spec.table });
    const reach = await tableDependants(sql, table);
    if (!spec.cascade) requireNoDependants(`table ${displayName(table)}`, reach.dependants);
    return planDropTable(spec, { ...reach, alsoLocks: await tablesLockedByTableDrop(sql, table) });
  },
} satisfies Operation<DropTableSpec>;
