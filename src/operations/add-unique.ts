// add-unique: a UNIQUE constraint without a long lock. Expand builds the unique index CONCURRENTLY
// (SHARE UPDATE EXCLUSIVE: reads and writes continue; duplicates fail the build with samples, and the
// invalid index it leaves is dropped). Contract attaches it with ADD CONSTRAINT … USING INDEX, which
// holds ACCESS EXCLUSIVE only for a catalog update: no scan, since the index already proves uniqueness.
// The contract step needs no guard: its record commits in the same transaction as the DDL, so it only
// runs again when that transaction did not commit, i.e. when the constraint does not exist.
// A valid index of the same name and definition found in pre-flight was made by someone else (a
// rollback drops ours, and pre-flight runs only on a fresh start): it is used, and rollback keeps it.
// On a partitioned table, where PostgreSQL refuses ADD CONSTRAINT … USING INDEX ("not supported on
// partitioned tables"): expand builds each leaf partition's unique index concurrently; contract makes
// each its leaf's constraint (USING INDEX, per leaf), then ADD CONSTRAINT … UNIQUE on each
// sub-partitioned partition and on the table, which attach the partitions' constraints and indexes
// instead of building: no rows read (ACCESS EXCLUSIVE on that table, SHARE on its partitions, briefly).
import type { TableInfo } from '../catalog/describe-table.js';
import type { Sql } from '../db/connect.js';
import type { LockMode } from '../db/lock-modes.js';
import { normalizeIndexDefinition, readIndex, relationExists } from '../catalog/read-index.js';
import { probeIndexDefinition } from '../preflight/index-probe.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { NameTakenError } from '../errors/index.js';
import { z } from 'zod';
import { identifier } from '../sql-text/identifier.js';
import { requireSafeConcurrentBuilds } from '../preflight/index-checks.js';
import {
  requireIndexablePartitions,
  requirePartitionIndexNamesFree,
  requireUniqueCoversPartitionKeys,
} from '../preflight/partitioned-index-checks.js';
import { listPartitions, type PartitionInfo } from '../catalog/leaf-partitions.js';
import { lockTreeFirst, requireIndexValid, requireLeaves } from '../ddl/partitioned-index.js';
import {
  leafBuildSteps,
  leafDropSteps,
  leavesOf,
  partitionIndex,
  subPartitionedOf,
  type PartitionedIndex,
} from '../ddl/partition-index-steps.js';
import { defaultObjectName } from '../ddl/object-names.js';
import { sampleKeys } from '../ddl/sample-keys.js';
import { createIndexConcurrently, dropIndexConcurrently } from '../ddl/concurrent-index.js';
import type { Operation } from './operation.js';
import { columnsFlag, nameFlag, schemaFlag, tableFlag } from './shared-flags.js';
import type { OperationPlan, PlannedStep, ViolationProbe } from '../plan/plan.js';
import { requireColumns } from '../preflight/constraint-checks.js';
import { requireTable } from '../preflight/table-checks.js';

export const addUniqueSpec = z
  .object({
    op: z.literal('add-unique'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table to constrain'),
    columns: z.array(identifier).min(1, 'needs at least one column').describe('columns that must be unique together'),
    name: identifier.optional().describe('constraint (and index) name; default <table>_<columns>_key'),
  })
  .strict();
export type AddUniqueSpec = z.infer<typeof addUniqueSpec>;

/** What pre-flight learned from the catalog, all that planning needs. */
export interface AddUniqueFacts {
  /** PostgreSQL's normalized definition of the planned index (see probeIndexDefinition). */
  readonly definition: string;
  /** A valid index with that name and definition already exists and is not ours: rollback keeps it. */
  readonly existingIndex: boolean;
}

/** The constraint's name, which is also its index's name: default `<table>_<columns>_key`. */
export function uniqueName(spec: AddUniqueSpec): string {
  return spec.name ?? defaultObjectName(spec.table, spec.columns, 'key');
}

export function uniqueIndexBody(spec: AddUniqueSpec): string {
  return `using btree (${spec.columns.map(quoteIdent).join(', ')})`;
}

/** How a failed build shows its duplicates: the key values (with their counts) found twice in `table`. */
function duplicatesProbe(spec: AddUniqueSpec, table: QualifiedName): ViolationProbe {
  const keys = spec.columns.map(quoteIdent);
  // A column may not be called `count`; the sample rows are keyed by column name.
  const countAlias = quoteIdent(spec.columns.includes('count') ? 'duplicates' : 'count');
  // Rows with a NULL in any key column never conflict, so they are not duplicates.
  return {
    kind: 'duplicates',
    sqlState: '23505',
    what: `duplicate (${spec.columns.join(', ')}) values (with their counts)`,
    query:
      `select ${sampleKeys(spec.columns)}, count(*) as ${countAlias} from ${quoteQualified(table)} ` +
      `where ${keys.map((k) => `${k} is not null`).join(' and ')} group by ${keys.join(', ')} ` +
      `having count(*) > 1 order by count(*) desc, ${keys.join(', ')} limit 5`,
  };
}

/** Pure planning: the exact SQL of every phase. */
export function planAddUnique(spec: AddUniqueSpec, facts: AddUniqueFacts): OperationPlan {
  const t = quoteQualified({ schema: spec.schema, name: spec.table });
  const name = uniqueName(spec);
  const build: PlannedStep = {
    kind: 'concurrent',
    description: `build unique index ${name} concurrently`,
    statements: [
      createIndexConcurrently({ name, table: { schema: spec.schema, name: spec.table }, unique: true, body: uniqueIndexBody(spec) }),
    ],
    buildsIndex: { schema: spec.schema, name, table: { schema: spec.schema, name: spec.table }, definition: facts.definition },
    explain: duplicatesProbe(spec, { schema: spec.schema, name: spec.table }),
    locks:
      'SHARE UPDATE EXCLUSIVE on the table for the whole build: reads and writes continue; it waits for transactions older than the build',
  };
  const attach: PlannedStep = {
    description: `add constraint ${name} unique using index ${name}`,
    statements: [`alter table ${t} add constraint ${quoteIdent(name)} unique using index ${quoteIdent(name)}`],
    locks: 'ACCESS EXCLUSIVE on the table for a catalog update only (no scan), under lock_timeout with retries',
  };
  const drop: PlannedStep = {
    kind: 'concurrent',
    description: `drop index ${name} concurrently`,
    statements: [dropIndexConcurrently({ schema: spec.schema, name })],
    locks: 'SHARE UPDATE EXCLUSIVE on the table: reads and writes continue',
  };
  return { expand: [build], backfill: [], contract: [attach], rollback: facts.existingIndex ? [] : [drop] };
}

/** The partitions under `table` (the root or a sub-partitioned partition), in listPartitions' order. */
function partitionsUnder(table: QualifiedName, partitions: readonly PartitionInfo[]): PartitionInfo[] {
  const byName = new Map(partitions.map((p) => [displayName(p), p]));
  const under = (p: PartitionInfo | undefined): boolean =>
    p !== undefined && (displayName(p.parent) === displayName(table) || under(byName.get(displayName(p.parent))));
  return partitions.filter((p) => under(p));
}

const leavesUnder = (table: QualifiedName, partitions: readonly PartitionInfo[]): PartitionInfo[] =>
  leavesOf(partitionsUnder(table, partitions));

/**
 * What ADD CONSTRAINT … UNIQUE on a partitioned table takes on its partitions: SHARE, and from
 * PostgreSQL 18 on ACCESS EXCLUSIVE (checked by test/integration/partitioned-indexes.test.ts). The
 * step asks for it up front, so no lock of the step is upgraded midway.
 */
export const partitionLockOfAddUnique = (serverVersionNum: number): LockMode => (serverVersionNum >= 180000 ? 'access exclusive' : 'share');

/** Pure planning on a partitioned table; `partitions` as listPartitions reads them. */
export function planPartitionedAddUnique(
  spec: AddUniqueSpec,
  definition: string,
  partitions: readonly PartitionInfo[],
  serverVersionNum: number,
): OperationPlan {
  const partitionLock = partitionLockOfAddUnique(serverVersionNum);
  const table: QualifiedName = { schema: spec.schema, name: spec.table };
  const index: PartitionedIndex = { table, name: uniqueName(spec), unique: true, body: uniqueIndexBody(spec), definition };
  const keys = spec.columns.map(quoteIdent).join(', ');
  const leafConstraints = leavesOf(partitions).map((leaf): PlannedStep => {
    const own = quoteIdent(partitionIndex(leaf, index).name);
    return {
      description: `add constraint ${partitionIndex(leaf, index).name} unique using index on partition ${leaf.name}`,
      statements: [`alter table ${quoteQualified(leaf)} add constraint ${own} unique using index ${own}`],
      locks: 'ACCESS EXCLUSIVE on the partition for a catalog update only (no scan), under lock_timeout with retries',
    };
  });
  const constrain = (on: QualifiedName, name: string): PlannedStep => ({
    description: `add constraint ${name} unique on ${on.name}, attaching its partitions' constraints`,
    statements: [
      ...lockTreeFirst(on, 'access exclusive', partitionsUnder(on, partitions), partitionLock),
      requireLeaves(on, leavesUnder(on, partitions)),
      `alter table ${quoteQualified(on)} add constraint ${quoteIdent(name)} unique (${keys})`,
    ],
    locks: `ACCESS EXCLUSIVE on this table and ${partitionLock.toUpperCase()} on each of its partitions (SHARE on their indexes), for catalog updates only: every partition already has a matching unique constraint, which is attached, not built (no rows read); under lock_timeout with retries`,
  });
  const deepestFirst = [...subPartitionedOf(partitions)].sort((a, b) => b.level - a.level);
  return {
    expand: leafBuildSteps(index, partitions, (leaf) => duplicatesProbe(spec, leaf)),
    backfill: [],
    contract: [
      ...leafConstraints,
      ...deepestFirst.map((p) => constrain(p, partitionIndex(p, index).name)),
      constrain(table, index.name),
      {
        description: `check that index ${index.name} is valid`,
        statements: [requireIndexValid({ schema: spec.schema, name: index.name })],
        locks: 'none: reads pg_index',
      },
    ],
    rollback: leafDropSteps(index, partitions),
  };
}

/** The name must be free, or be a valid index of this table with the planned definition (returns true), or an invalid leftover. */
async function checkName(sql: Sql, table: TableInfo, name: string, definition: string): Promise<boolean> {
  const taken = (what: string) => new NameTakenError(`${what}; choose another --name`);
  const constraint = table.constraints.find((c) => c.name === name);
  if (constraint !== undefined) throw taken(`${displayName(table)} already has a constraint named ${name} (${constraint.definition})`);
  const existing = await readIndex(sql, table.schema, name);
  if (existing === undefined) {
    if (await relationExists(sql, table.schema, name)) throw taken(`${table.schema}.${name} already exists and is not an index`);
    return false;
  }
  if (existing.table.schema !== table.schema || existing.table.name !== table.name) {
    throw taken(`index ${table.schema}.${name} already exists on another table, ${displayName(existing.table)}`);
  }
  if (existing.constraint !== null) throw taken(`index ${table.schema}.${name} already backs constraint ${existing.constraint}`);
  if (existing.valid && existing.definition !== definition) {
    throw taken(`index ${table.schema}.${name} already exists with a different definition (${existing.definition})`);
  }
  return existing.valid;
}

/** Other unique indexes (a primary key, a constraint) that already enforce exactly this. */
function equivalentIndexes(table: TableInfo, name: string, definition: string): string[] {
  return table.indexes
    .filter((i) => i.valid && i.name !== name && normalizeIndexDefinition(i.definition, i.unique) === definition)
    .map((i) => i.name);
}

async function preparePartitioned(
  sql: Sql,
  spec: AddUniqueSpec,
  table: TableInfo,
  definition: string,
  serverVersionNum: number,
): Promise<OperationPlan> {
  const name = uniqueName(spec);
  // The table's own constraint and index are made by contract's ADD CONSTRAINT: the name must be free.
  await checkName(sql, table, name, definition);
  if ((await readIndex(sql, table.schema, name)) !== undefined) {
    throw new NameTakenError(`index ${table.schema}.${name} already exists; choose another --name`);
  }
  const partitions = await listPartitions(sql, table);
  requireIndexablePartitions(table, partitions);
  await requireUniqueCoversPartitionKeys(sql, `unique constraint ${name}`, [table, ...subPartitionedOf(partitions)], spec.columns);
  await requirePartitionIndexNamesFree(sql, { table, name, unique: true, body: uniqueIndexBody(spec), definition }, partitions);
  return planPartitionedAddUnique(spec, definition, partitions, serverVersionNum);
}

export const addUnique = {
  op: 'add-unique',
  schema: addUniqueSpec,
  shorthand: [schemaFlag, tableFlag, columnsFlag, nameFlag],
  defaultName: (spec) => `add-unique-${spec.table}-${spec.columns.join('-')}`,
  tables: (spec) => [{ schema: spec.schema, name: spec.table }],
  async prepare({ sql, serverVersionNum }, spec) {
    requireSafeConcurrentBuilds(serverVersionNum);
    const target: QualifiedName = { schema: spec.schema, name: spec.table };
    const table = await requireTable(sql, target);
    requireColumns(table, spec.columns);
    const definition = await probeIndexDefinition(sql, table, true, uniqueIndexBody(spec));
    const name = uniqueName(spec);
    if (table.partitioned) return preparePartitioned(sql, spec, table, definition, serverVersionNum);
    const existingIndex = await checkName(sql, table, name, definition);
    const plan = planAddUnique(spec, { definition, existingIndex });
    const warnings = [
      ...equivalentIndexes(table, name, definition).map(
        (other) => `${displayName(table)} is already unique on (${spec.columns.join(', ')}) through index ${other}`,
      ),
      ...(existingIndex ? [`index ${name} already exists with this definition: it is used as is, and rollback keeps it`] : []),
    ];
    return warnings.length > 0 ? { ...plan, warnings } : plan;
  },
} satisfies Operation<AddUniqueSpec>;
