// add-column: add a column without rewriting or blocking the table, fill existing rows in batches,
// keep rows written by unaware code consistent with a trigger, then enforce NOT NULL cheaply.
//
// The trigger rule (installed only when `backfill` is given, removed in contract):
//   - INSERT where the new column IS NULL: it is set to the backfill expression over the new row;
//   - UPDATE where the new column IS NOT DISTINCT FROM its old value (the writer did not change it):
//     it is recomputed from the new row, so a derived value never goes stale.
//   A writer that sets the column explicitly (the new application) keeps its value.
// With a `backfill` expression the `default` is only attached in contract, so that during the
// migration an unaware insert is filled by the expression rather than by the default.
import { z } from 'zod';
import type { KeyColumn } from '../catalog/describe-table.js';
import { isDefaultVolatile } from '../catalog/default-volatility.js';
import { checkRowExpression, resolveType } from '../preflight/expression-probe.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { resolutionSchemas } from '../db/search-path.js';
import { identifier, sqlExpression } from '../sql-text/identifier.js';
import type { Operation } from './operation.js';
import { backfillFlag, columnFlag, defaultFlag, schemaFlag, tableFlag, typeFlag } from './shared-flags.js';
import type { OperationPlan, PlannedStep } from '../plan/plan.js';
import { backfillKey, requireNoColumn, requireNotPartition, requireTable } from '../preflight/table-checks.js';
import { addColumnNames } from '../ddl/object-names.js';
import { partitionLocksFirst, partitionNames } from '../ddl/partition-locks.js';
import { listPartitions } from '../catalog/leaf-partitions.js';
import { leafValidationSteps } from '../ddl/partition-constraints.js';
import { sampleRowsQuery } from '../ddl/sample-keys.js';
import { leavesToValidate } from '../preflight/partition-leaves.js';
import { createFillFunction } from '../ddl/fill-trigger.js';
import { replaceRowTrigger } from '../ddl/row-trigger.js';
import { dropTriggers } from '../ddl/drop-triggers.js';
import { dropConstraintIfExists, notNullCheck, replaceNotValid, validateConstraint } from '../ddl/not-valid-constraint.js';

export const addColumnSpec = z
  .object({
    op: z.literal('add-column'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table to add the column to'),
    column: identifier.describe('name of the new column'),
    type: z.string().trim().min(1, 'must not be empty').describe('SQL type, e.g. text, bigint, varchar(20)'),
    default: sqlExpression.optional().describe('SQL default expression; a volatile one is split safely'),
    backfill: sqlExpression.optional().describe('SQL expression over the row that fills existing rows'),
    nullable: z.boolean().default(true).describe('false adds NOT NULL through a validated CHECK'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (!spec.nullable && spec.default === undefined && spec.backfill === undefined) {
      ctx.addIssue({ code: 'custom', path: ['nullable'], message: 'nullable: false needs a default or a backfill expression' });
    }
  });

export type AddColumnSpec = z.infer<typeof addColumnSpec>;

/** What pre-flight learned from the catalog, all that planning needs. */
export interface AddColumnFacts {
  /** The key to page over; required only when rows are backfilled. */
  readonly key: readonly KeyColumn[] | undefined;
  /** The default is volatile: attaching it in ADD COLUMN would rewrite the table. */
  readonly defaultIsVolatile: boolean;
  /** The schemas pre-flight resolved the expressions with: pinned in the fill function and the backfill. */
  readonly searchPath: readonly string[];
  /** A partitioned table's partitions, locked one by one ahead of each strong-lock step (partition-locks.ts). */
  readonly partitions?: readonly QualifiedName[];
  /** A partitioned table's leaf partitions: NOT NULL's check is validated on each alone, then on the table. */
  readonly leaves?: readonly QualifiedName[];
}

/** Pure planning: the exact SQL of every phase. */
export function planAddColumn(spec: AddColumnSpec, facts: AddColumnFacts): OperationPlan {
  const table: QualifiedName = { schema: spec.schema, name: spec.table };
  const t = quoteQualified(table);
  const c = quoteIdent(spec.column);
  const names = addColumnNames(spec);
  const fn: QualifiedName = { schema: spec.schema, name: names.fn };
  const dropFill = dropTriggers(table, [names.insertTrigger, names.updateTrigger], [{ name: fn }]);
  const fill = spec.backfill ?? (facts.defaultIsVolatile ? spec.default : undefined);
  const defaultInAdd = spec.default !== undefined && spec.backfill === undefined && !facts.defaultIsVolatile;
  const defaultAfterAdd = spec.default !== undefined && spec.backfill === undefined && facts.defaultIsVolatile;
  const defaultInContract = spec.default !== undefined && spec.backfill !== undefined;
  const setDefault = `alter table ${t} alter column ${c} set default (${spec.default ?? 'null'})`;
  // On a partitioned table each strong-lock step first locks the table, then each partition, alone.
  const lead = (statements: readonly string[]): string[] => [...partitionLocksFirst(table, facts.partitions ?? []), ...statements];

  const expand: PlannedStep[] = [
    {
      description: `add column ${spec.column} ${spec.type}${defaultInAdd ? ' with its default (metadata only)' : ' as nullable'}`,
      statements: lead([`alter table ${t} add column if not exists ${c} ${spec.type}${defaultInAdd ? ` default (${spec.default})` : ''}`]),
      locks: `ACCESS EXCLUSIVE on ${spec.table}, brief: catalog only (no rewrite${defaultInAdd ? ': a non-volatile default is stored once' : ''})`,
    },
  ];
  if (defaultAfterAdd) {
    expand.push({
      description: `set the volatile default of ${spec.column} (no table rewrite)`,
      statements: lead([setDefault]),
      locks: `ACCESS EXCLUSIVE on ${spec.table}, brief: catalog only`,
    });
  }
  if (spec.backfill !== undefined) {
    expand.push({
      description: `install triggers that fill ${spec.column} for writers unaware of it`,
      statements: lead([
        createFillFunction(fn, spec.column, spec.backfill, facts.searchPath),
        ...replaceRowTrigger({ name: names.insertTrigger, table, events: 'insert', when: `NEW.${c} is null`, fn }),
        ...replaceRowTrigger({ name: names.updateTrigger, table, events: 'update', when: `NEW.${c} is not distinct from OLD.${c}`, fn }),
      ]),
      locks: `ACCESS EXCLUSIVE on ${spec.table} (DROP TRIGGER), then SHARE ROW EXCLUSIVE (CREATE TRIGGER): brief, catalog only`,
    });
  }
  if (!spec.nullable) {
    expand.push({
      description: `add check (${spec.column} is not null) not valid`,
      statements: lead([replaceNotValid(table, [{ name: names.notNullCheck, definition: notNullCheck(spec.column) }])]),
      locks: `ACCESS EXCLUSIVE on ${spec.table}, brief: no scan (existing rows are not checked)`,
    });
  }

  const backfill =
    fill === undefined
      ? []
      : [
          {
            id: `${spec.schema}.${spec.table}.${spec.column}`,
            table,
            key: requirePlannedKey(facts),
            set: `${c} = (${fill})`,
            // A volatile default (nextval, clock_timestamp) is left out of the filter: there it would be
            // evaluated once more per row than the SET needs, advancing a sequence twice.
            needsWork: spec.backfill === undefined ? `${c} is null` : `${c} is null and (${fill}) is not null`,
            searchPath: facts.searchPath,
            // The fill triggers exist only with `backfill`; a volatile default fills inserts alone.
            writesFilled: spec.backfill !== undefined,
          },
        ];

  const contract: PlannedStep[] = [];
  if (!spec.nullable) {
    // On a partitioned table, one leaf per step (SHARE UPDATE EXCLUSIVE on that leaf alone, recorded
    // as it ends), so the table's VALIDATE finds every copy valid and scans only a newcomer.
    contract.push(
      ...leafValidationSteps(facts.leaves ?? [], {
        what: `check (${spec.column} is not null)`,
        name: names.notNullCheck,
        locks: (leaf) => `SHARE UPDATE EXCLUSIVE on ${leaf.name} only, during its scan: reads and writes continue`,
        explain: (leaf) => ({
          kind: 'violations',
          sqlState: '23514',
          what: `rows where ${spec.column} is NULL (keys shown)`,
          query: sampleRowsQuery({ table: leaf, key: (facts.key ?? []).map((k) => k.name), where: `${c} is null` }),
        }),
      }),
    );
    contract.push({
      description: `validate check (${spec.column} is not null)`,
      statements: [validateConstraint(table, names.notNullCheck)],
      locks: `SHARE UPDATE EXCLUSIVE on ${spec.table} for the scan: reads and writes continue`,
      reversible: true,
    });
    contract.push({
      description: `set ${spec.column} not null (no scan: the validated check proves it) and drop the check`,
      statements: lead([`alter table ${t} alter column ${c} set not null`, dropConstraintIfExists(table, names.notNullCheck)]),
      locks: `ACCESS EXCLUSIVE on ${spec.table}, brief: catalog only`,
    });
  }
  // The default takes over from the triggers in one transaction: no insert falls between them.
  if (spec.backfill !== undefined) {
    contract.push({
      description: `${defaultInContract ? `set the default of ${spec.column} and drop` : 'drop'} the fill triggers`,
      statements: lead([...(defaultInContract ? [setDefault] : []), ...dropFill]),
      locks: `ACCESS EXCLUSIVE on ${spec.table}, brief: catalog only`,
    });
  }

  // One step, so no writer ever sees the CHECK without the triggers that satisfy it.
  const rollback: PlannedStep[] = [
    {
      description: `drop ${spec.backfill !== undefined ? 'the fill triggers, ' : ''}column ${spec.column}${spec.nullable ? '' : ' and its check'}`,
      statements: lead([
        ...(spec.backfill !== undefined ? dropFill : []),
        `alter table ${t} drop constraint if exists ${quoteIdent(names.notNullCheck)}, drop column if exists ${c}`,
      ]),
      locks: `ACCESS EXCLUSIVE on ${spec.table}, brief: catalog only`,
    },
  ];

  return { expand, backfill, contract, rollback };
}

function requirePlannedKey(facts: AddColumnFacts): readonly KeyColumn[] {
  if (facts.key === undefined) throw new Error('planning a backfill needs the table key');
  return facts.key;
}

export const addColumn = {
  op: 'add-column',
  schema: addColumnSpec,
  shorthand: [
    schemaFlag,
    tableFlag,
    columnFlag,
    typeFlag,
    defaultFlag,
    backfillFlag,
    {
      flag: 'not-null',
      field: ['nullable'],
      value: 'false-when-given',
      summary: 'Make the new column NOT NULL through a validated CHECK (add-column).',
    },
  ],
  defaultName: (spec) => `add-column-${spec.table}-${spec.column}`,
  tables: (spec) => [{ schema: spec.schema, name: spec.table }],
  async prepare({ sql, serverVersionNum }, spec) {
    const table = await requireTable(sql, { schema: spec.schema, name: spec.table });
    requireNoColumn(table, spec.column);
    requireNotPartition(table, 'add a column to');
    await resolveType(sql, spec.type);
    let defaultIsVolatile = false;
    if (spec.default !== undefined) {
      const tree = await checkRowExpression(sql, 'default', spec.default, undefined, spec.type);
      defaultIsVolatile = await isDefaultVolatile(sql, 'default', spec.default, tree, spec.type);
    }
    if (spec.backfill !== undefined) await checkRowExpression(sql, 'backfill', spec.backfill, table, spec.type);
    const needsBackfill = spec.backfill !== undefined || defaultIsVolatile;
    const key = needsBackfill ? await backfillKey(sql, table, serverVersionNum) : undefined;
    const partitions = table.partitioned ? partitionNames(await listPartitions(sql, table)) : [];
    const leaves = spec.nullable ? [] : await leavesToValidate(sql, table);
    return planAddColumn(spec, {
      key,
      defaultIsVolatile,
      searchPath: await resolutionSchemas(sql),
      ...(partitions.length > 0 ? { partitions } : {}),
      ...(leaves.length > 0 ? { leaves } : {}),
    });
  },
} satisfies Operation<AddColumnSpec>;
