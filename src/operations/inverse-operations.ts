// The inverse of a completed migration's operations, for `online revert`: each operation whose effect
// can be undone online becomes the operation (or contract-phase SQL) that undoes it, in reverse order.
// Pure: what the catalog must still show for the inverse to apply is returned as facts to check
// (constraints that must exist, tables that must be empty); the inverse spec's own pre-flight does the rest.
import type { z } from 'zod';
import { NoSafeInverseError } from '../errors/index.js';
import type { OperationPlan } from '../plan/plan.js';
import { dollarQuote } from '../sql-text/dollar-quote.js';
import { quoteIdent, quoteQualified, sameName, type QualifiedName } from '../sql-text/quote.js';
import { checkName } from './add-check.js';
import { foreignKeyName } from './add-foreign-key.js';
import { uniqueName } from './add-unique.js';
import { indexName } from './create-index.js';
import type { OperationSpec, operationSchemas } from './index.js';

/** An operation of the inverse spec, as a spec file would write it (defaults left to the schema). */
export type InverseOperation = z.input<(typeof operationSchemas)[number]>;

export interface InverseConstraint {
  readonly table: QualifiedName;
  readonly name: string;
}

export interface Inverse {
  readonly operations: readonly InverseOperation[];
  /** Constraints the inverse drops: each must still exist on its table, or the schema has drifted. */
  readonly constraints: readonly InverseConstraint[];
  /** Tables the inverse drops: each must be empty, or rows would be lost with it. */
  readonly emptyTables: readonly QualifiedName[];
}

type Part = { readonly operations: readonly InverseOperation[] } & Partial<Pick<Inverse, 'constraints' | 'emptyTables'>>;

const tableOf = (spec: { readonly schema: string; readonly table: string }): QualifiedName => ({ schema: spec.schema, name: spec.table });

/** Contract-phase SQL that drops a constraint (and, for a unique constraint, its index) under lock_timeout. */
function dropConstraint(table: QualifiedName, name: string, others: readonly QualifiedName[] = []): Part {
  return {
    operations: [
      {
        op: 'sql',
        phase: 'contract',
        sql: `alter table ${quoteQualified(table)} drop constraint ${quoteIdent(name)}`,
        tables: [table, ...others].map((t) => ({ schema: t.schema, table: t.name })),
      },
    ],
    constraints: [{ table, name }],
  };
}

/** Contract-phase SQL that fails while the table has rows: a revert never drops data. Raw SQL never conflicts with the drop-table after it. */
function emptyTableGuard(table: QualifiedName): InverseOperation {
  const body = `begin if exists (select from ${quoteQualified(table)}) then raise exception 'the table has rows: reverting its create-table would drop them'; end if; end`;
  return { op: 'sql', phase: 'contract', sql: `do ${dollarQuote(body)}` };
}

/** Why an operation has no safe inverse, said as the refusal says it. */
const refusal = (op: string, why: string): string => `${op} has no safe inverse: ${why}`;

/** The inverse of one operation, or why it has none. */
function inverseOf(spec: OperationSpec, plan: OperationPlan): Part | string {
  switch (spec.op) {
    case 'add-column':
      return { operations: [{ op: 'drop-column', schema: spec.schema, table: spec.table, column: spec.column }] };
    case 'create-index':
      return { operations: [{ op: 'drop-index', schema: spec.schema, table: spec.table, name: indexName(spec) }] };
    case 'add-unique':
      return dropConstraint(tableOf(spec), uniqueName(spec));
    case 'add-check':
      return dropConstraint(tableOf(spec), checkName(spec));
    case 'add-foreign-key': {
      const referenced = { schema: spec.references.schema, name: spec.references.table };
      const self = sameName(referenced, tableOf(spec));
      return dropConstraint(tableOf(spec), foreignKeyName(spec), self ? [] : [referenced]);
    }
    case 'set-not-null':
      return {
        operations: [
          {
            op: 'sql',
            phase: 'contract',
            sql: `alter table ${quoteQualified(tableOf(spec))} alter column ${quoteIdent(spec.column)} drop not null`,
            tables: [{ schema: spec.schema, table: spec.table }],
          },
        ],
      };
    case 'change-type': {
      const before = plan.typesBefore?.find((t) => sameName(t.table, tableOf(spec)) && t.column === spec.column);
      if (before === undefined) {
        return refusal(
          `change-type of ${spec.table}.${spec.column}`,
          'its original type is not recorded (the migration was planned by an earlier version of online)',
        );
      }
      const restoreDefault = spec.default !== undefined;
      if (restoreDefault && before.default === null) {
        return refusal(
          `change-type of ${spec.table}.${spec.column}`,
          'it set a default where there was none, and change-type cannot remove one',
        );
      }
      return {
        operations: [
          {
            op: 'change-type',
            schema: spec.schema,
            table: spec.table,
            column: spec.column,
            type: before.type,
            ...(restoreDefault && before.default !== null ? { default: before.default } : {}),
          },
        ],
      };
    }
    case 'rename-column':
      return {
        operations: [
          {
            op: 'rename-column',
            schema: spec.schema,
            table: spec.table,
            column: spec.to,
            to: spec.column,
            ...(spec.instant ? { instant: true } : {}),
          },
        ],
      };
    case 'create-table':
      // Checked when the revert starts, and again in contract just before the drop (the guard fails the run, exit 1, resumable).
      return {
        operations: [emptyTableGuard(tableOf(spec)), { op: 'drop-table', schema: spec.schema, table: spec.table }],
        emptyTables: [tableOf(spec)],
      };
    case 'drop-column':
      return refusal(`drop-column of ${spec.table}.${spec.column}`, 'the column and its data are gone');
    case 'drop-table':
      return refusal(`drop-table of ${spec.table}`, 'the table and its rows are gone');
    case 'drop-index':
      return refusal(`drop-index of ${spec.name}`, 'its definition is not recorded; create it again with create-index');
    case 'backfill':
      return refusal(`backfill of ${spec.table}`, 'the values it replaced are not kept');
    case 'attach-partition':
      return { operations: [{ op: 'detach-partition', schema: spec.schema, table: spec.table, partition: spec.partition }] };
    case 'create-partition':
      return refusal(`create-partition of ${spec.partition}`, 'it may hold rows now; detach it with detach-partition');
    case 'detach-partition':
      return refusal(`detach-partition of ${spec.partition}`, 'its bound is not recorded; attach it again with attach-partition');
    case 'sql':
      return refusal('sql', 'online cannot know what raw SQL did');
  }
}

/**
 * The operations that undo a migration's `operations` (as completed with `plan`), last first. Throws
 * NoSafeInverseError (exit 2) naming every operation without a safe inverse: a spec is reverted whole
 * or not at all.
 */
export function invertOperations(migration: string, operations: readonly OperationSpec[], plan: OperationPlan): Inverse {
  const inverses = operations.map((spec) => inverseOf(spec, plan));
  const refusals = inverses.flatMap((inverse, i) =>
    typeof inverse !== 'string' ? [] : [operations.length === 1 ? inverse : `operations[${i}]: ${inverse}`],
  );
  if (refusals.length > 0) throw new NoSafeInverseError(migration, refusals);
  const parts = inverses.filter((inverse): inverse is Part => typeof inverse !== 'string').reverse();
  return {
    operations: parts.flatMap((p) => p.operations),
    constraints: parts.flatMap((p) => p.constraints ?? []),
    emptyTables: parts.flatMap((p) => p.emptyTables ?? []),
  };
}

/**
 * The columns whose type the inverse's plan changes that the original's did not: a change-type back
 * follows foreign keys to referencing columns of another type, which the original may never have
 * changed. Each is said as a refusal.
 */
export function typeChangesBeyond(original: OperationPlan, inverse: OperationPlan): string[] {
  const changed = original.typesBefore ?? [];
  return (inverse.typesBefore ?? [])
    .filter((c) => !changed.some((o) => sameName(o.table, c.table) && o.column === c.column))
    .map(
      (c) =>
        `the change-type back would also change ${c.table.schema}.${c.table.name}.${c.column} (${c.type}), which the migration did not change`,
    );
}
