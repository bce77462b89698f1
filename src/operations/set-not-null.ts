// set-not-null: make an existing column NOT NULL without a long ACCESS EXCLUSIVE lock.
//
// A plain `SET NOT NULL` scans the whole table under ACCESS EXCLUSIVE. Instead:
//   add CHECK (col is not null) NOT VALID: a brief ACCESS EXCLUSIVE, no scan; from then on every written
//             row must satisfy it (NOT VALID exempts only rows left untouched). With `backfill` this is
//             in expand (the fill trigger keeps written rows non-NULL); without, it is the first step of
//             contract, so an update of a row still NULL is never refused for longer than contract runs;
//   contract  VALIDATE the check: the scan runs under SHARE UPDATE EXCLUSIVE, so reads and writes go on;
//             then, in one brief ACCESS EXCLUSIVE step, SET NOT NULL (PostgreSQL 12+ skips the scan
//             because the validated check proves it) and drop the check.
// With `backfill` (SQL over the row), existing NULLs are filled in batches first, and a trigger
// installed in expand fills NULLs written by unaware code (inserts, and updates of rows still NULL)
// with the same expression. It is dropped in the step that sets NOT NULL, so no NULL slips in between.
// Without `backfill`, the column must already be free of NULLs: pre-flight does not scan for them;
// VALIDATE fails with sample keys instead (and the migration can be rolled back).
// On a partitioned table the check reaches every partition (a NOT VALID copy each); contract validates
// each leaf's copy in a step of its own (SHARE UPDATE EXCLUSIVE on that leaf only), then the parent's
// (which scans only partitions that arrived since start), and SET NOT NULL on the parent then proves
// every partition from its validated copy: no scan under its ACCESS EXCLUSIVE (PostgreSQL 14-18 alike).
// PostgreSQL 18's NOT NULL … NOT VALID would do the same; the CHECK path is kept on every version.
// A column that is already NOT NULL fails pre-flight (exit 2): there is nothing to do, and a plan
// whose rollback could undo someone else's NOT NULL is not one we want to record.
import { findColumn, type KeyColumn } from '../catalog/describe-table.js';
import { checkRowExpression } from '../preflight/expression-probe.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { resolutionSchemas } from '../db/search-path.js';
import { PreflightError } from '../errors/index.js';
import { z } from 'zod';
import { identifier, sqlExpression } from '../sql-text/identifier.js';
import { setNotNullNames } from '../ddl/object-names.js';
import { createFillFunction } from '../ddl/fill-trigger.js';
import { replaceRowTrigger } from '../ddl/row-trigger.js';
import { dropTriggers } from '../ddl/drop-triggers.js';
import { dropConstraintIfExists, notNullCheck, replaceNotValid, validateConstraint } from '../ddl/not-valid-constraint.js';
import { sampleRowsQuery } from '../ddl/sample-keys.js';
import { leafValidationSteps } from '../ddl/partition-constraints.js';
import { partitionLocksFirst } from '../ddl/partition-locks.js';
import { leavesToValidate } from '../preflight/partition-leaves.js';
import type { Operation } from './operation.js';
import { backfillFlag, columnFlag, schemaFlag, tableFlag } from './shared-flags.js';
import type { BackfillTask, OperationPlan, PlannedStep } from '../plan/plan.js';
import { backfillKey, requireTable } from '../preflight/table-checks.js';

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

/** What pre-flight learned from the catalog, all that planning needs. */
export interface SetNotNullFacts {
  /** The key the backfill pages over and violation samples show; empty: ctid. */
  readonly key: readonly KeyColumn[];
  /** The schemas pre-flight resolved `backfill` with: pinned in the fill function and the backfill. */
  readonly searchPath: readonly string[];
  /** A partitioned table's leaf partitions, validated one by one before the parent; none for a plain table. */
  readonly leaves?: readonly QualifiedName[];
}

/** Pure planning: the exact SQL of every phase. */
export function planSetNotNull(spec: SetNotNullSpec, facts: SetNotNullFacts): OperationPlan {
  const table: QualifiedName = { schema: spec.schema, name: spec.table };
  const t = quoteQualified(table);
  const c = quoteIdent(spec.column);
  const names = setNotNullNames(spec);
  const fn: QualifiedName = { schema: spec.schema, name: names.fn };
  const fill = spec.backfill;
  const dropFill = fill === undefined ? [] : dropTriggers(table, [names.trigger], [{ name: fn }]);
  const leaves = facts.leaves ?? [];
  const everyPartition = leaves.length > 0 ? ' and each of its partitions' : '';
  const locksFirst = partitionLocksFirst(table, leaves, 'access exclusive');

  const expand: PlannedStep[] = [];
  if (fill !== undefined) {
    expand.push({
      description: `install a trigger that fills ${spec.column} when a writer leaves it NULL`,
      statements: [
        ...locksFirst,
        createFillFunction(fn, spec.column, fill, facts.searchPath),
        ...replaceRowTrigger({ name: names.trigger, table, events: 'insert or update', when: `NEW.${c} is null`, fn }),
      ],
      locks: 'ACCESS EXCLUSIVE on the table (DROP TRIGGER), then SHARE ROW EXCLUSIVE (CREATE TRIGGER): brief, catalog only',
    });
  }
  const addCheck: PlannedStep = {
    description: `add check (${spec.column} is not null) not valid`,
    statements: [...locksFirst, replaceNotValid(table, [{ name: names.check, definition: notNullCheck(spec.column) }])],
    locks: `ACCESS EXCLUSIVE on the table${everyPartition}, brief: no scan (existing rows are not checked)`,
    reversible: true,
  };
  // Without a fill trigger, the check added just before would otherwise stay in force after a failed
  // VALIDATE and refuse every update of a row still NULL until rollback: it goes with the failure.
  const undo = fill === undefined ? { undoPhaseOnViolation: [dropConstraintIfExists(table, names.check)] } : {};
  const explain = (on: QualifiedName) =>
    ({
      kind: 'violations',
      sqlState: '23514',
      what: `rows where ${spec.column} is NULL (keys shown)`,
      query: sampleRowsQuery({ table: on, key: facts.key.map((k) => k.name), where: `${c} is null` }),
    }) as const;
  // With a fill trigger, no written row can be NULL, so the check can guard from expand on. Without one,
  // it is added in contract, right before VALIDATE: a NOT VALID check in force for days would make every
  // update of a row that is still NULL fail.
  if (fill !== undefined) expand.push(addCheck);

  const backfill: BackfillTask[] =
    fill === undefined
      ? []
      : [
          {
            id: `${spec.schema}.${spec.table}.${spec.column}`,
            table,
            key: facts.key,
            set: `${c} = (${fill})`,
            needsWork: `${c} is null and (${fill}) is not null`,
            searchPath: facts.searchPath,
            writesFilled: true,
          },
        ];

  const contract: PlannedStep[] = [
    ...(fill === undefined ? [addCheck] : []),
    ...leafValidationSteps(leaves, {
      what: `check (${spec.column} is not null)`,
      name: names.check,
      locks: (leaf) => `SHARE UPDATE EXCLUSIVE on ${leaf.name} only, during its scan: reads and writes continue`,
      explain,
      ...undo,
    }),
    {
      description:
        leaves.length > 0
          ? `validate check (${spec.column} is not null) on ${spec.table} (its partitions' copies are valid: only a partition attached since start is scanned)`
          : `validate check (${spec.column} is not null)`,
      statements: [validateConstraint(table, names.check)],
      locks: `SHARE UPDATE EXCLUSIVE on the table${everyPartition} for the scan: reads and writes continue`,
      reversible: true,
      ...undo,
      explain: explain(table),
    },
    {
      description: `set ${spec.column} not null (no scan: the validated check${leaves.length > 0 ? ' of each partition' : ''} proves it) and drop the check${fill === undefined ? '' : ' and the fill trigger'}`,
      statements: [
        ...locksFirst,
        `alter table ${t} alter column ${c} set not null`,
        dropConstraintIfExists(table, names.check),
        ...dropFill,
      ],
      locks: `ACCESS EXCLUSIVE on the table${everyPartition}, brief: catalog only`,
    },
  ];

  // One step, so no writer ever sees the trigger gone while the check still rejects NULLs. DROP NOT NULL
  // is a no-op on the column pre-flight found nullable; it undoes a contract whose last step committed
  // but whose migration record did not.
  const rollback: PlannedStep[] = [
    {
      description: `drop ${fill === undefined ? '' : 'the fill trigger and '}the check (${spec.column} is not null); ${spec.column} stays nullable`,
      statements: [
        ...locksFirst,
        ...dropFill,
        `alter table ${t} drop constraint if exists ${quoteIdent(names.check)}, alter column ${c} drop not null`,
      ],
      locks: `ACCESS EXCLUSIVE on the table${everyPartition}, brief: catalog only`,
    },
  ];

  return { expand, backfill, contract, rollback };
}

export const setNotNull = {
  op: 'set-not-null',
  schema: setNotNullSpec,
  shorthand: [schemaFlag, tableFlag, columnFlag, backfillFlag],
  defaultName: (spec) => `set-not-null-${spec.table}-${spec.column}`,
  tables: (spec) => [{ schema: spec.schema, name: spec.table }],
  async prepare({ sql, serverVersionNum }, spec) {
    const table = await requireTable(sql, { schema: spec.schema, name: spec.table });
    const column = findColumn(table, spec.column);
    const where = `${spec.column} of ${displayName(table)}`;
    if (column === undefined) throw new PreflightError('COLUMN_NOT_FOUND', `column ${spec.column} does not exist on ${displayName(table)}`);
    if (column.notNull) throw new PreflightError('ALREADY_NOT_NULL', `column ${where} is already NOT NULL; there is nothing to do`);
    const leaves = await leavesToValidate(sql, table);
    if (spec.backfill === undefined)
      return planSetNotNull(spec, { key: table.key?.columns ?? [], searchPath: await resolutionSchemas(sql), leaves });
    if (column.generated !== '') {
      throw new PreflightError('GENERATED_COLUMN', `column ${where} is generated; it cannot be backfilled (drop the backfill expression)`);
    }
    await checkRowExpression(sql, 'backfill', spec.backfill, table, column.type);
    return planSetNotNull(spec, { key: await backfillKey(sql, table, serverVersionNum), searchPath: await resolutionSchemas(sql), leaves });
  },
} satisfies Operation<SetNotNullSpec>;
