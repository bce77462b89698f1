// The attach path attach-partition and create-partition share. Expand makes the table provably fit:
// a validated CHECK stating its bound (and one stating NOT the bound on the default partition), every
// parent index built on it concurrently, every parent foreign key added NOT VALID and validated. Then
// contract's ATTACH finds all of it implied or matching and only attaches: no scan, no build under its
// lock. The helper CHECKs go in the same transaction.
import { normalizeIndexDefinition } from '../catalog/read-index.js';
import type { TableInfo } from '../catalog/describe-table.js';
import { readForeignKeys, readIndexesForMatching, type ParentIndex } from '../catalog/partition-key.js';
import { createIndexConcurrently } from '../ddl/concurrent-index.js';
import { fitIdentifier } from '../ddl/object-names.js';
import { addNotValid, checkDefinition, dropConstraintIfExists, validateConstraint } from '../ddl/not-valid-constraint.js';
import { excludedByBound, partitionCheck } from '../ddl/partition-check.js';
import { PreflightError, InvalidExpressionError } from '../errors/index.js';
import type { OperationPlan, PlannedStep } from '../plan/plan.js';
import { boundRefusal, type PartitionedParent } from '../preflight/partition-checks.js';
import { boundSql, type PartitionBound } from '../sql-grammar/partition-bound.js';
import type { Sql } from '../db/connect.js';
import { dollarQuote } from '../sql-text/dollar-quote.js';
import { quoteLiteral } from '../sql-text/literal.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';

/** An index of the parent the partition lacks: built concurrently, then made the constraint it backs on the parent. */
export interface MissingIndex {
  /** The partition's index name (a constraint made from it takes this name). */
  readonly name: string;
  readonly unique: boolean;
  /** From `USING` on, e.g. `USING btree (id, created_at)`. */
  readonly body: string;
  readonly constraint: 'primary key' | 'unique' | undefined;
}

export interface AttachFacts {
  readonly parent: QualifiedName;
  readonly partition: QualifiedName;
  readonly bound: PartitionBound;
  /** The bound as a CHECK over the key columns; undefined when it cannot be stated so (the attach scans the partition). */
  readonly check: string | undefined;
  readonly defaultPartition: QualifiedName | undefined;
  readonly indexes: readonly MissingIndex[];
  /** Parent foreign keys the partition lacks: name on the partition, `FOREIGN KEY (…) REFERENCES …`. */
  readonly foreignKeys: readonly { readonly name: string; readonly definition: string }[];
}

export const boundCheckName = (partition: QualifiedName): string => fitIdentifier(partition.name, '_online_bound');
export const outsideBoundCheckName = (facts: Pick<AttachFacts, 'partition'>, defaultPartition: QualifiedName): string =>
  fitIdentifier(`${defaultPartition.name}_online_not_${facts.partition.name}`);

/** The steps that make the partition fit (expand), the attach (contract), and their undoing (rollback). */
export function planAttach(facts: AttachFacts): { expand: PlannedStep[]; attach: PlannedStep; rollback: PlannedStep[] } {
  const { parent, partition, check } = facts;
  const expand: PlannedStep[] = [];
  /** What takes each expand step back out, in expand order (rollback runs it reversed). */
  const undo: PlannedStep[] = [];
  const helperDrops: string[] = [];
  const dropCheck = (table: QualifiedName, name: string): PlannedStep => ({
    description: `drop check ${name}`,
    statements: [dropConstraintIfExists(table, name)],
    locks: `ACCESS EXCLUSIVE on ${table.name} for milliseconds`,
  });
  const p = partition.name;
  if (check !== undefined && facts.defaultPartition !== undefined) {
    const target = facts.defaultPartition;
    const name = outsideBoundCheckName(facts, target);
    expand.push(
      {
        description: `add check ${name} not valid on default partition ${target.name} (rows of the new bound are refused there from now on)`,
        statements: [addNotValid(target, { name, definition: checkDefinition(excludedByBound(check)) })],
        locks: `ACCESS EXCLUSIVE on ${target.name} for milliseconds (no scan)`,
      },
      {
        description: `validate check ${name}: the default partition holds no row of the new bound`,
        statements: [validateConstraint(target, name)],
        locks: `SHARE UPDATE EXCLUSIVE on ${target.name} during the scan: reads and writes continue`,
      },
    );
    helperDrops.push(dropConstraintIfExists(target, name));
    undo.push(dropCheck(target, name));
  }
  if (check !== undefined) {
    const name = boundCheckName(partition);
    expand.push(
      {
        description: `add check ${name} not valid on ${p}: its bound as a constraint`,
        statements: [addNotValid(partition, { name, definition: checkDefinition(check) })],
        locks: `ACCESS EXCLUSIVE on ${p} for milliseconds (no scan)`,
      },
      {
        description: `validate check ${name}: every row of ${p} is inside the bound`,
        statements: [validateConstraint(partition, name)],
        locks: `SHARE UPDATE EXCLUSIVE on ${p} during the scan: reads and writes continue`,
      },
    );
    helperDrops.push(dropConstraintIfExists(partition, name));
    undo.push(dropCheck(partition, name));
  }
  for (const index of facts.indexes) {
    const qualified = { schema: partition.schema, name: index.name };
    expand.push({
      kind: 'concurrent',
      description: `build index ${index.name} on ${p} concurrently (it matches the parent's, so the attach only attaches it)`,
      statements: [createIndexConcurrently({ name: index.name, table: partition, unique: index.unique, body: index.body })],
      buildsIndex: { ...qualified, table: partition, definition: normalizeIndexDefinition(index.body, index.unique) },
      locks: `SHARE UPDATE EXCLUSIVE on ${p}: reads and writes continue`,
    });
    undo.push({
      description: `drop index ${index.name}`,
      statements: [`drop index if exists ${quoteQualified(qualified)}`],
      locks: `ACCESS EXCLUSIVE on ${p} for milliseconds`,
    });
    if (index.constraint !== undefined) {
      expand.push({
        description: `make index ${index.name} the ${index.constraint} of ${p}`,
        statements: [
          `alter table ${quoteQualified(partition)} add constraint ${quoteIdent(index.name)} ${index.constraint} using index ${quoteIdent(index.name)}`,
        ],
        locks: `ACCESS EXCLUSIVE on ${p} for milliseconds (its columns are NOT NULL already: no scan)`,
      });
      undo.push({
        description: `drop constraint ${index.name} (and its index)`,
        statements: [dropConstraintIfExists(partition, index.name)],
        locks: `ACCESS EXCLUSIVE on ${p} for milliseconds`,
      });
    }
  }
  for (const fk of facts.foreignKeys) {
    expand.push(
      {
        description: `add foreign key ${fk.name} not valid on ${p} (the parent's, so the attach reuses it)`,
        statements: [addNotValid(partition, { name: fk.name, definition: fk.definition })],
        locks: `SHARE ROW EXCLUSIVE on ${p} and the referenced table for milliseconds (no scan)`,
      },
      {
        description: `validate foreign key ${fk.name}`,
        statements: [validateConstraint(partition, fk.name)],
        locks: `SHARE UPDATE EXCLUSIVE on ${p}, ROW SHARE on the referenced table, during the scan: reads and writes continue`,
      },
    );
    undo.push({
      description: `drop foreign key ${fk.name}`,
      statements: [dropConstraintIfExists(partition, fk.name)],
      locks: `SHARE ROW EXCLUSIVE on ${p} and the referenced table for milliseconds`,
    });
  }
  const attach: PlannedStep = {
    description: `attach ${p} to ${parent.name} ${boundSql(facts.bound)}${helperDrops.length > 0 ? ', and drop the bound checks' : ''}`,
    statements: [
      `alter table ${quoteQualified(parent)} attach partition ${quoteQualified(partition)} ${boundSql(facts.bound)}`,
      ...helperDrops,
    ],
    locks:
      `SHARE UPDATE EXCLUSIVE on ${parent.name} (reads and writes continue), ACCESS EXCLUSIVE on ${p}` +
      (facts.defaultPartition === undefined ? '' : ` and on default partition ${facts.defaultPartition.name}`) +
      (facts.foreignKeys.length === 0 ? '' : ' and on the referenced tables') +
      ` for milliseconds: ${check === undefined ? `${p} is scanned under it (its bound could not be stated as a check)` : 'no scan, no index build'}`,
    reversible: true,
  };
  const detach: PlannedStep = {
    description: `detach ${p} from ${parent.name} if it is attached`,
    statements: [detachIfAttached(parent, partition)],
    locks: `ACCESS EXCLUSIVE on ${parent.name} and ${p}${facts.defaultPartition === undefined ? '' : ` and ${facts.defaultPartition.name}`} for milliseconds (only when it is attached)`,
  };
  return { expand, attach, rollback: [detach, ...undo.reverse()] };
}

/** A plain DETACH, only when the table is attached to the parent (rollback runs it twice safely). */
function detachIfAttached(parent: QualifiedName, partition: QualifiedName): string {
  const body =
    ` begin if exists (select 1 from pg_inherits where inhrelid = to_regclass(${quoteLiteral(quoteQualified(partition))})` +
    ` and inhparent = to_regclass(${quoteLiteral(quoteQualified(parent))})) then` +
    ` alter table ${quoteQualified(parent)} detach partition ${quoteQualified(partition)}; end if; end `;
  return `do ${dollarQuote(body)}`;
}

/** A plan of just the attach path (attach-partition's; create-partition adds its CREATE TABLE in front). */
export function attachPlan(facts: AttachFacts, warnings: readonly string[]): OperationPlan {
  const { expand, attach, rollback } = planAttach(facts);
  return {
    expand,
    backfill: [],
    contract: [attach],
    rollback,
    warnings,
    ...(facts.defaultPartition === undefined ? {} : { tables: [facts.defaultPartition] }),
  };
}

/**
 * Everything attaching needs to know, from the catalog: the derived check (or why there is none), the
 * default partition, the parent's indexes and foreign keys the partition lacks. `partition` is the
 * table to attach, or undefined for one create-partition makes `like` the parent (it has none yet).
 */
export async function attachFacts(
  sql: Sql,
  parent: PartitionedParent,
  partitionName: QualifiedName,
  partition: TableInfo | undefined,
  bound: PartitionBound,
  field: string,
): Promise<{ facts: AttachFacts; warnings: string[] }> {
  const warnings: string[] = [];
  if (bound.strategy !== 'default' && bound.strategy !== parent.key.strategy) {
    throw new PreflightError(
      'BOUND_MISMATCH',
      `${displayName(parent.table)} is partitioned by ${parent.key.definition}: a ${bound.strategy} bound does not fit it`,
    );
  }
  const defaultPartition = parent.partitions.find((p) => p.isDefault);
  const check = parent.key.plainColumns ? partitionCheck({ columns: parent.key.columns, parentOid: parent.table.oid }, bound) : undefined;
  const checks = check === undefined ? [] : [check, excludedByBound(check)];
  const refusal = await boundRefusal(sql, parent, bound, checks);
  if (refusal !== undefined) throw new InvalidExpressionError(field, boundSql(bound), refusal);
  if (check === undefined) {
    if (defaultPartition !== undefined) {
      throw new PreflightError(
        'UNSUPPORTED',
        `${displayName(parent.table)} has a default partition, and its key (${parent.key.definition}) cannot be stated as a CHECK PostgreSQL recognizes: ATTACH would scan ${defaultPartition.name} under ACCESS EXCLUSIVE, blocking its writers`,
      );
    }
    warnings.push(
      bound.strategy === 'default'
        ? `a default partition's bound is "none of the others": ATTACH scans ${partitionName.name} under its ACCESS EXCLUSIVE lock (on that table only; the parent keeps serving)`
        : `the key ${parent.key.definition} is not plain columns with default operator classes: ATTACH scans ${partitionName.name} under its ACCESS EXCLUSIVE lock (on that table only; the parent keeps serving)`,
    );
  }
  const indexes = await missingIndexes(sql, parent, partitionName, partition);
  const foreignKeys = await missingForeignKeys(sql, parent, partitionName, partition);
  return {
    facts: {
      parent: parent.table,
      partition: partitionName,
      bound,
      check,
      defaultPartition: defaultPartition === undefined ? undefined : { schema: defaultPartition.schema, name: defaultPartition.name },
      indexes,
      foreignKeys,
    },
    warnings,
  };
}

async function missingIndexes(
  sql: Sql,
  parent: PartitionedParent,
  name: QualifiedName,
  partition: TableInfo | undefined,
): Promise<MissingIndex[]> {
  const wanted = await readIndexesForMatching(sql, parent.table.oid);
  const own = partition === undefined ? [] : await readIndexesForMatching(sql, partition.oid);
  const shape = (i: ParentIndex): string => normalizeIndexDefinition(i.definition, i.unique);
  const missing: MissingIndex[] = [];
  for (const index of wanted) {
    if (index.constraintType === 'x') {
      throw new PreflightError(
        'UNSUPPORTED',
        `${displayName(parent.table)} has exclusion constraint ${index.constraintName ?? index.name}: it cannot be built concurrently on the partition, and ATTACH would build it under its lock`,
      );
    }
    if (own.some((o) => shape(o) === shape(index) && (index.constraintType === null || o.constraintType === index.constraintType)))
      continue;
    const body = shape(index).replace(/^UNIQUE /, '');
    missing.push({
      name: fitIdentifier(`${name.name}_${index.name}`),
      unique: index.unique,
      body,
      constraint: index.constraintType === 'p' ? 'primary key' : index.constraintType === 'u' ? 'unique' : undefined,
    });
  }
  return missing;
}

async function missingForeignKeys(
  sql: Sql,
  parent: PartitionedParent,
  name: QualifiedName,
  partition: TableInfo | undefined,
): Promise<{ name: string; definition: string }[]> {
  const wanted = await readForeignKeys(sql, parent.table.oid);
  const own = partition === undefined ? [] : await readForeignKeys(sql, partition.oid);
  return wanted
    .filter((fk) => !own.some((o) => o.validated && o.definition === fk.definition))
    .map((fk) => ({ name: fitIdentifier(`${name.name}_${fk.name}`), definition: fk.definition }));
}
