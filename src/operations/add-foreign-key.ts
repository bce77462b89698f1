// add-foreign-key: a foreign key without a long lock. Expand adds it NOT VALID (SHARE ROW EXCLUSIVE on
// both tables for milliseconds, no scan: it blocks writes, not reads): from then on every inserted or
// updated row is checked. Contract validates the existing rows (SHARE UPDATE EXCLUSIVE on the
// referencing table, ROW SHARE on the referenced one: the scan blocks neither reads nor writes); when
// some rows have no match, up to five of their values are shown. Rollback drops the constraint.
// Every step locks both tables, so each opens with one LOCK TABLE per table (lock-tables-first.ts);
// adding and dropping lock the referenced table first, the order applications take them in (update
// the account, then log it), validating locks the referencing table first, the one a scan may wait for.
// From a partitioned table, each leaf's copy is validated in a step of its own before the parent's
// key is made valid: on 18 the parent takes NOT VALID and its VALIDATE skips the valid copies; before
// 18 each leaf takes it NOT VALID and the parent's key is added last, attaching them
// (ddl/partition-foreign-key.ts). A partitioned referenced table needs nothing different.
// Pre-flight requires the referenced columns to be exactly a primary key or unique key, asks
// PostgreSQL whether the column types can be compared (on empty copies), and warns when no index on
// the referencing table serves the lookups every delete or key update on the referenced table makes.
import { displayName, quoteIdent, quoteQualified, sameName, type QualifiedName } from '../sql-text/quote.js';
import { PreflightError } from '../errors/index.js';
import { readIndexKeys, refusalOnEmptyCopies, type IndexKey } from '../preflight/constraint-probe.js';
import { requireColumns, requireFreeConstraintName } from '../preflight/constraint-checks.js';
import { z } from 'zod';
import { identifier } from '../sql-text/identifier.js';
import { referentialActions } from './referential-actions.js';
import { defaultObjectName, probeNames } from '../ddl/object-names.js';
import type { LockMode } from '../db/lock-modes.js';
import { lockTablesFirst } from '../ddl/lock-tables-first.js';
import { addNotValid, dropConstraintIfExists, validateConstraint } from '../ddl/not-valid-constraint.js';
import { foreignKeyDefinition } from '../ddl/foreign-key-definition.js';
import { orphanRowsQuery } from '../ddl/sample-keys.js';
import { leafValidationSteps } from '../ddl/partition-constraints.js';
import { partitionLocksFirst } from '../ddl/partition-locks.js';
import { partitionForeignKeySteps } from '../ddl/partition-foreign-key.js';
import { leavesToValidate } from '../preflight/partition-leaves.js';
import type { ViolationProbe } from '../plan/plan.js';
import type { Operation } from './operation.js';
import { columnsFlag, nameFlag, schemaFlag, tableFlag } from './shared-flags.js';
import type { OperationPlan } from '../plan/plan.js';
import { requireTable } from '../preflight/table-checks.js';

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

export function foreignKeyName(spec: AddForeignKeySpec): string {
  return spec.name ?? defaultObjectName(spec.table, spec.columns, 'fkey');
}

export interface AddForeignKeyFacts {
  /** Whether an index on the referencing table starts with the referencing columns. */
  readonly referencingIndexed: boolean;
  /** A partitioned referencing table's leaf partitions, validated one by one; none for a plain table. */
  readonly leaves?: readonly QualifiedName[];
  /** The referencing table is partitioned (it may have no partitions yet). */
  readonly partitioned?: boolean;
  /** PostgreSQL 18+, which takes a NOT VALID foreign key on a partitioned table itself. */
  readonly notValidOnPartitioned?: boolean;
}

const list = (columns: readonly string[]): string => columns.map(quoteIdent).join(', ');

/** ` on delete … on update …`, only for the actions the spec gives. */
const actionClauses = (spec: AddForeignKeySpec): string =>
  `${spec.onDelete === undefined ? '' : ` on delete ${spec.onDelete}`}${spec.onUpdate === undefined ? '' : ` on update ${spec.onUpdate}`}`;

/** Pure planning: the exact SQL of every phase, and the missing-index warning. */
export function planAddForeignKey(spec: AddForeignKeySpec, facts: AddForeignKeyFacts): OperationPlan {
  const referencing: QualifiedName = { schema: spec.schema, name: spec.table };
  const referenced: QualifiedName = { schema: spec.references.schema, name: spec.references.table };
  const name = foreignKeyName(spec);
  const target = `${displayName(referenced)} (${spec.references.columns.join(', ')})`;
  const leaves = facts.leaves ?? [];
  const referencedFirst = (mode: LockMode): string[] =>
    leaves.length === 0
      ? lockTablesFirst([
          { table: referenced, mode },
          { table: referencing, mode },
        ])
      : [...lockTablesFirst([{ table: referenced, mode }], 1), ...partitionLocksFirst(referencing, leaves, mode)];
  const definition = foreignKeyDefinition({
    columns: spec.columns,
    references: referenced,
    referencedColumns: spec.references.columns,
    clauses: actionClauses(spec).trimStart(),
  });
  const orphans = (table: QualifiedName): ViolationProbe => ({
    kind: 'orphans',
    sqlState: '23503',
    what: `rows whose (${spec.columns.join(', ')}) has no match in ${target}`,
    query: orphanRowsQuery(table, spec.columns, referenced, spec.references.columns),
  });
  const validateFirst = (table: QualifiedName): string[] =>
    lockTablesFirst([
      { table, mode: 'share update exclusive' },
      { table: referenced, mode: 'row share' },
    ]);
  const everyPartition = leaves.length > 0 ? ' and each of its partitions' : '';
  const phases =
    facts.partitioned === true && facts.notValidOnPartitioned !== true
      ? partitionForeignKeySteps({ referencing, referenced, constraint: { name, definition }, leaves, orphans })
      : {
          expand: [
            {
              description: `add foreign key ${name} not valid (new and updated rows are checked from now on)`,
              statements: [...referencedFirst('share row exclusive'), addNotValid(referencing, { name, definition })],
              locks: `SHARE ROW EXCLUSIVE on ${spec.references.table} and ${spec.table}${everyPartition} for milliseconds (no scan): writes wait, reads continue`,
            },
          ],
          contract: [
            ...leafValidationSteps(leaves, {
              what: `foreign key ${name}`,
              name,
              locksFirst: validateFirst,
              locks: (leaf) =>
                `SHARE UPDATE EXCLUSIVE on ${leaf.name} and ROW SHARE on ${spec.references.table} during its scan: reads and writes continue`,
              explain: orphans,
            }),
            {
              description:
                leaves.length > 0
                  ? `validate foreign key ${name} on ${spec.table} (its partitions' copies are valid: only a partition attached since start is scanned)`
                  : `validate foreign key ${name} on the existing rows`,
              statements: [...validateFirst(referencing), validateConstraint(referencing, name)],
              locks: `SHARE UPDATE EXCLUSIVE on ${spec.table} and ROW SHARE on ${spec.references.table} during the scan: reads and writes continue`,
              reversible: true,
              explain: orphans(referencing),
            },
          ],
          rollback: [
            {
              description: `drop foreign key ${name}`,
              statements: [...referencedFirst('access exclusive'), dropConstraintIfExists(referencing, name)],
              locks: `ACCESS EXCLUSIVE on ${spec.references.table} and ${spec.table}${everyPartition} for milliseconds`,
            },
          ],
        };
  return {
    ...phases,
    backfill: [],
    warnings: facts.referencingIndexed
      ? []
      : [
          `no index on ${displayName(referencing)} starts with (${spec.columns.join(', ')}): every delete or key update on ${displayName(referenced)} ` +
            `will scan ${displayName(referencing)} for matching rows; consider a create-index on (${spec.columns.join(', ')}) first`,
        ],
  };
}

/** PostgreSQL accepts a unique index whose key columns are exactly the referenced ones, in any order. */
export function findReferencedKey(indexes: readonly IndexKey[], columns: readonly string[]): IndexKey | undefined {
  const wanted = new Set(columns);
  return indexes.find(
    (i) =>
      i.unique &&
      i.usable &&
      i.columns.length === wanted.size &&
      wanted.size === columns.length &&
      i.columns.every((c) => c !== null && wanted.has(c)),
  );
}

/** An index serves the referencing lookups (`a = $1 and b = $2`) when its leading keys are those columns. */
export function servesLookups(indexes: readonly IndexKey[], columns: readonly string[]): boolean {
  const wanted = new Set(columns);
  return indexes.some(
    (i) => i.usable && i.columns.length >= wanted.size && i.columns.slice(0, wanted.size).every((c) => c !== null && wanted.has(c)),
  );
}

function describeKeys(indexes: readonly IndexKey[]): string {
  const keys = indexes.filter((i) => i.unique && i.usable && i.columns.every((c) => c !== null));
  if (keys.length === 0) return 'it has no primary key or unique constraint';
  return `its keys: ${keys.map((k) => `${k.primary ? 'primary key' : 'unique'} (${k.columns.join(', ')})`).join(', ')}`;
}

export const addForeignKey = {
  op: 'add-foreign-key',
  schema: addForeignKeySpec,
  shorthand: [
    schemaFlag,
    tableFlag,
    columnsFlag,
    {
      flag: 'references-schema',
      field: ['references', 'schema'],
      value: 'text',
      summary: 'Schema of the referenced table (add-foreign-key). [default: public]',
    },
    { flag: 'references-table', field: ['references', 'table'], value: 'text', summary: 'Referenced table (add-foreign-key).' },
    {
      flag: 'references-columns',
      field: ['references', 'columns'],
      value: 'comma-list',
      summary: 'Comma-separated referenced columns (add-foreign-key).',
    },
    {
      flag: 'on-delete',
      field: ['onDelete'],
      value: 'text',
      summary: 'no action, restrict, cascade, set null or set default (add-foreign-key).',
    },
    {
      flag: 'on-update',
      field: ['onUpdate'],
      value: 'text',
      summary: 'no action, restrict, cascade, set null or set default (add-foreign-key).',
    },
    nameFlag,
  ],
  defaultName: (spec) => `add-foreign-key-${spec.table}-${foreignKeyName(spec)}`,
  tables: (spec) => {
    const referencing = { schema: spec.schema, name: spec.table };
    const referenced = { schema: spec.references.schema, name: spec.references.table };
    return sameName(referenced, referencing) ? [referencing] : [referencing, referenced];
  },
  async prepare({ sql, serverVersionNum }, spec) {
    const table = await requireTable(sql, { schema: spec.schema, name: spec.table });
    const referenced = await requireTable(sql, { schema: spec.references.schema, name: spec.references.table });
    requireColumns(table, spec.columns);
    requireColumns(referenced, spec.references.columns);
    const referencedIndexes = await readIndexKeys(sql, referenced);
    if (findReferencedKey(referencedIndexes, spec.references.columns) === undefined) {
      throw new PreflightError(
        'NO_MATCHING_KEY',
        `(${spec.references.columns.join(', ')}) is not the primary key or a unique constraint of ${displayName(referenced)} (${describeKeys(referencedIndexes)}); a foreign key must reference exactly those columns`,
      );
    }
    requireFreeConstraintName(table, foreignKeyName(spec));
    // PostgreSQL's own verdict on the column types, from the same DDL on empty copies.
    const { referencedCopy, referencingCopy } = probeNames;
    const refusal = await refusalOnEmptyCopies(sql, [
      `create temporary table ${referencedCopy} (like ${quoteQualified(referenced)}) on commit drop`,
      `alter table ${referencedCopy} add unique (${list(spec.references.columns)})`,
      `create temporary table ${referencingCopy} (like ${quoteQualified(table)}) on commit drop`,
      `alter table ${referencingCopy} add constraint ${quoteIdent(foreignKeyName(spec))} foreign key (${list(spec.columns)}) references ${referencedCopy} (${list(spec.references.columns)})${actionClauses(spec)}`,
    ]);
    if (refusal !== undefined) throw new PreflightError('FOREIGN_KEY_REFUSED', `the foreign key cannot be created: ${refusal}`);
    const referencingIndexed = servesLookups(await readIndexKeys(sql, table), spec.columns);
    return planAddForeignKey(spec, {
      referencingIndexed,
      leaves: await leavesToValidate(sql, table),
      partitioned: table.partitioned,
      notValidOnPartitioned: serverVersionNum >= 180000,
    });
  },
} satisfies Operation<AddForeignKeySpec>;
