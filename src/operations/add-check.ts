// add-check: a CHECK constraint without a long lock. Expand adds it NOT VALID (ACCESS EXCLUSIVE for
// milliseconds, no scan): from then on every inserted or updated row is checked. Contract validates
// the existing rows (SHARE UPDATE EXCLUSIVE: the scan blocks neither reads nor writes); when some fail,
// up to five of their keys are shown. Rollback drops the constraint.
// On a partitioned table the NOT VALID check reaches every partition (a NOT VALID copy each, under the
// same brief lock); contract validates each leaf's copy in a step of its own (SHARE UPDATE EXCLUSIVE
// on that leaf only), then the parent's, which skips the valid copies and scans only partitions that
// arrived since start (PostgreSQL 14-18 alike, see README "Constraints on partitioned tables").
import { checkRowExpression } from '../preflight/expression-probe.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { InvalidExpressionError } from '../errors/index.js';
import { refusalOnEmptyCopies } from '../preflight/constraint-probe.js';
import { requireFreeConstraintName } from '../preflight/constraint-checks.js';
import { z } from 'zod';
import { identifier, sqlExpression } from '../sql-text/identifier.js';
import { defaultCheckName } from '../ddl/object-names.js';
import { addNotValid, checkDefinition, dropConstraintIfExists, validateConstraint } from '../ddl/not-valid-constraint.js';
import { sampleRowsQuery } from '../ddl/sample-keys.js';
import { leafValidationSteps } from '../ddl/partition-constraints.js';
import { partitionLocksFirst } from '../ddl/partition-locks.js';
import { leavesToValidate } from '../preflight/partition-leaves.js';
import type { Operation } from './operation.js';
import { nameFlag, schemaFlag, tableFlag } from './shared-flags.js';
import type { OperationPlan } from '../plan/plan.js';
import { requireTable } from '../preflight/table-checks.js';

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

/** The given name, or `<table>_<hash of the expression>_check`: the same expression always gets the same name. */
export function checkName(spec: AddCheckSpec): string {
  return spec.name ?? defaultCheckName(spec.table, spec.check);
}

export interface AddCheckFacts {
  /** The columns that identify a row in samples: the table's key, or none to show ctid. */
  readonly key: readonly string[];
  /** A partitioned table's leaf partitions, validated one by one before the parent; none for a plain table. */
  readonly leaves?: readonly QualifiedName[];
}

/** Pure planning: the exact SQL of every phase. */
export function planAddCheck(spec: AddCheckSpec, facts: AddCheckFacts): OperationPlan {
  const table = { schema: spec.schema, name: spec.table };
  const name = checkName(spec);
  const leaves = facts.leaves ?? [];
  const andPartitions = leaves.length > 0 ? ' and each of its partitions' : '';
  const explain = (on: QualifiedName) =>
    ({
      kind: 'violations',
      sqlState: '23514',
      what: `rows that fail check ${name} (${spec.check}), shown by their ${facts.key.length > 0 ? `(${facts.key.join(', ')})` : 'ctid'}`,
      query: sampleRowsQuery({ table: on, key: facts.key, where: `not (${spec.check})` }),
    }) as const;
  return {
    expand: [
      {
        description: `add check ${name} not valid (new and updated rows are checked from now on)`,
        statements: [
          ...partitionLocksFirst(table, leaves, 'access exclusive'),
          addNotValid(table, { name, definition: checkDefinition(spec.check) }),
        ],
        locks: `ACCESS EXCLUSIVE on ${spec.table}${andPartitions} for milliseconds (no scan)`,
      },
    ],
    backfill: [],
    contract: [
      ...leafValidationSteps(leaves, {
        what: `check ${name}`,
        name,
        locks: (leaf) => `SHARE UPDATE EXCLUSIVE on ${leaf.name} only, during its scan: reads and writes continue`,
        explain,
      }),
      {
        description:
          leaves.length > 0
            ? `validate check ${name} on ${spec.table} (its partitions' copies are valid: only a partition attached since start is scanned)`
            : `validate check ${name} on the existing rows`,
        statements: [validateConstraint(table, name)],
        locks: `SHARE UPDATE EXCLUSIVE on ${spec.table}${andPartitions} during the scan: reads and writes continue`,
        reversible: true,
        explain: explain(table),
      },
    ],
    rollback: [
      {
        description: `drop check ${name}`,
        statements: [...partitionLocksFirst(table, leaves, 'access exclusive'), dropConstraintIfExists(table, name)],
        locks: `ACCESS EXCLUSIVE on ${spec.table}${andPartitions} for milliseconds`,
      },
    ],
  };
}

export const addCheck = {
  op: 'add-check',
  schema: addCheckSpec,
  shorthand: [
    schemaFlag,
    tableFlag,
    { flag: 'check', field: ['check'], value: 'text', summary: 'Boolean SQL expression over the row, e.g. "amount >= 0" (add-check).' },
    nameFlag,
  ],
  defaultName: (spec) => `add-check-${spec.table}-${checkName(spec)}`,
  tables: (spec) => [{ schema: spec.schema, name: spec.table }],
  async prepare({ sql }, spec) {
    const table = await requireTable(sql, { schema: spec.schema, name: spec.table });
    await checkRowExpression(sql, 'check', spec.check, table, 'boolean');
    requireFreeConstraintName(table, checkName(spec));
    // What a SELECT accepts but a CHECK does not: subqueries, aggregates, a non-boolean type… NOT VALID:
    // no validation pass, so the expression is not even prepared for evaluation. The empty copy has the
    // table's own name (in pg_temp), so a column qualified by the table's name (`"tickets"."priority"`,
    // as drizzle-kit writes its checks) resolves as it does on the table itself.
    const copy = `pg_temp.${quoteIdent(table.name)}`;
    const refusal = await refusalOnEmptyCopies(sql, [
      `create temporary table ${copy} (like ${quoteQualified(table)}) on commit drop`,
      `alter table ${copy} add constraint ${quoteIdent(checkName(spec))} check (${spec.check}) not valid`,
    ]);
    if (refusal !== undefined) throw new InvalidExpressionError('check', spec.check, refusal);
    return planAddCheck(spec, { key: table.key?.columns.map((k) => k.name) ?? [], leaves: await leavesToValidate(sql, table) });
  },
} satisfies Operation<AddCheckSpec>;
