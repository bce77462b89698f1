// create-index: CREATE INDEX CONCURRENTLY, outside a transaction and without timeouts, so reads and
// writes continue during the build. Pre-flight builds the index on an empty copy of the table's
// columns, which proves every column, expression, method and clause and yields the definition that
// an existing index of the same name must match. An invalid leftover of an interrupted build is
// dropped and rebuilt (on start and on resume); a valid matching index is kept.
// On a partitioned table (which CREATE INDEX CONCURRENTLY refuses): the table's own index `ON ONLY`
// (invalid, no rows read), the same for each sub-partitioned partition, one concurrent build per leaf
// partition, then ATTACH PARTITION bottom-up; the last attach makes the table's index valid.
import { z } from 'zod';
import { checkExpressionShape } from '../preflight/expression-probe.js';
import { readIndex, relationExists } from '../catalog/read-index.js';
import { probeIndexDefinition } from '../preflight/index-probe.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { NameTakenError } from '../errors/index.js';
import { identifier, sqlExpression } from '../sql-text/identifier.js';
import { requireSafeConcurrentBuilds } from '../preflight/index-checks.js';
import {
  requireIndexablePartitions,
  requirePartitionIndexNamesFree,
  requireUniqueCoversPartitionKeys,
} from '../preflight/partitioned-index-checks.js';
import { listPartitions, type PartitionInfo } from '../catalog/leaf-partitions.js';
import { createIndexOnOnly, lockTreeFirst, requireIndexValid } from '../ddl/partitioned-index.js';
import {
  attachSteps,
  leafBuildSteps,
  leafDropSteps,
  partitionIndex,
  subPartitionedOf,
  type PartitionedIndex,
} from '../ddl/partition-index-steps.js';
import type { ViolationProbe } from '../plan/plan.js';
import { defaultObjectName } from '../ddl/object-names.js';
import { createIndexConcurrently, dropIndexConcurrently } from '../ddl/concurrent-index.js';
import type { Operation } from './operation.js';
import { columnsFlag, nameFlag, schemaFlag, tableFlag, usingFlag, whereFlag } from './shared-flags.js';
import type { OperationPlan, PlannedStep } from '../plan/plan.js';
import { requireTable } from '../preflight/table-checks.js';

export const indexMethods = ['btree', 'hash', 'gin', 'gist', 'brin', 'spgist'] as const;

export const createIndexSpec = z
  .object({
    op: z.literal('create-index'),
    schema: identifier.default('public').describe('schema of the table (and the index)'),
    table: identifier.describe('table to index'),
    name: identifier.optional().describe('index name; default <table>_<columns>_idx'),
    columns: z.array(identifier).default([]).describe('key columns, in order'),
    expressions: z.array(sqlExpression).default([]).describe('key expressions after the columns, e.g. lower(email)'),
    unique: z.boolean().default(false),
    using: z.enum(indexMethods).default('btree').describe('index method'),
    include: z.array(identifier).default([]).describe('non-key columns stored in the index (INCLUDE)'),
    where: sqlExpression.optional().describe('predicate of a partial index'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.columns.length + spec.expressions.length === 0)
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'an index needs columns or expressions' });
  });

export type CreateIndexSpec = z.infer<typeof createIndexSpec>;

export function indexName(spec: CreateIndexSpec): string {
  return spec.name ?? defaultObjectName(spec.table, [...spec.columns, ...(spec.expressions.length > 0 ? ['expr'] : [])], 'idx');
}

/** `USING btree (a, (lower(b))) INCLUDE (c) WHERE (…)`: what follows `ON <table>`. */
export function indexBody(spec: CreateIndexSpec): string {
  const keys = [...spec.columns.map(quoteIdent), ...spec.expressions.map((e) => `(${e})`)].join(', ');
  const include = spec.include.length > 0 ? ` include (${spec.include.map(quoteIdent).join(', ')})` : '';
  const where = spec.where === undefined ? '' : ` where (${spec.where})`;
  return `using ${spec.using} (${keys})${include}${where}`;
}

/** How a failed unique build shows its duplicates: the key values (with their counts) found twice in `table`. */
function duplicatesProbe(spec: CreateIndexSpec, table: QualifiedName): ViolationProbe {
  const keyList = [...spec.columns.map(quoteIdent), ...spec.expressions.map((e) => `(${e})`)];
  const notNull = keyList.map((k) => `${k} is not null`).join(' and ');
  return {
    kind: 'duplicates',
    sqlState: '23505',
    what: `duplicate (${[...spec.columns, ...spec.expressions].join(', ')}) values (with their counts)`,
    query:
      `select ${keyList.map((k, i) => `${k}::text as k${i}`).join(', ')}, count(*) as count from ${quoteQualified(table)} ` +
      `where ${notNull}${spec.where === undefined ? '' : ` and (${spec.where})`} group by ${keyList.join(', ')} having count(*) > 1 order by count(*) desc limit 5`,
  };
}

/** Pure planning: `definition` is PostgreSQL's normalized definition from pre-flight. */
export function planCreateIndex(spec: CreateIndexSpec, definition: string, existingIndex = false): OperationPlan {
  const table: QualifiedName = { schema: spec.schema, name: spec.table };
  const name = indexName(spec);
  const build: PlannedStep = {
    kind: 'concurrent',
    description: `build ${spec.unique ? 'unique ' : ''}index ${name} concurrently`,
    statements: [createIndexConcurrently({ name, table, unique: spec.unique, body: indexBody(spec) })],
    buildsIndex: { schema: spec.schema, name, table, definition },
    locks:
      'SHARE UPDATE EXCLUSIVE on the table for the whole build: reads and writes continue; it waits for transactions older than the build',
    ...(spec.unique ? { explain: duplicatesProbe(spec, table) } : {}),
  };
  return {
    expand: [build],
    backfill: [],
    contract: [],
    // An index that was already there (valid, same definition) is used, and not ours to drop.
    rollback: existingIndex
      ? []
      : [
          {
            kind: 'concurrent',
            description: `drop index ${name} concurrently`,
            statements: [dropIndexConcurrently({ schema: spec.schema, name })],
            locks: 'SHARE UPDATE EXCLUSIVE on the table: reads and writes continue',
          },
        ],
  };
}

const onOnlyLocks =
  'SHARE on the partitioned table (writes through it wait; the partitions are not locked) for a catalog insert only (no rows read), under lock_timeout with retries';

/**
 * Pure planning on a partitioned table; `partitions` as listPartitions reads them. `existingIndex`: a
 * valid index with this name and definition is already on the table, is used as is, and rollback keeps it.
 */
export function planPartitionedCreateIndex(
  spec: CreateIndexSpec,
  definition: string,
  partitions: readonly PartitionInfo[],
  existingIndex = false,
): OperationPlan {
  const table: QualifiedName = { schema: spec.schema, name: spec.table };
  const index: PartitionedIndex = { table, name: indexName(spec), unique: spec.unique, body: indexBody(spec), definition };
  const own: QualifiedName = { schema: spec.schema, name: index.name };
  const check: PlannedStep = {
    description: `check that index ${index.name} is valid`,
    statements: [requireIndexValid(own)],
    locks: 'none: reads pg_index',
  };
  if (existingIndex) return { expand: [check], backfill: [], contract: [], rollback: [] };
  const onOnly = (on: QualifiedName, name: string, unique: boolean): PlannedStep => ({
    description: `create ${unique ? 'unique ' : ''}index ${name} on only ${on.name} (invalid until every partition's index is attached)`,
    statements: [createIndexOnOnly({ name, table: on, unique, body: index.body })],
    locks: onOnlyLocks,
  });
  const subPartitioned = subPartitionedOf(partitions);
  return {
    expand: [
      onOnly(table, index.name, spec.unique),
      ...subPartitioned.map((p) => onOnly({ schema: p.schema, name: p.name }, partitionIndex(p, index).name, spec.unique)),
      ...leafBuildSteps(index, partitions, spec.unique ? (leaf) => duplicatesProbe(spec, leaf) : undefined),
      ...attachSteps(index, partitions),
      check,
    ],
    backfill: [],
    contract: [],
    rollback: [
      {
        description: `drop index ${index.name}`,
        statements: [
          ...lockTreeFirst(table, 'access exclusive', partitions, 'access exclusive'),
          `drop index if exists ${[own, ...subPartitioned.map((p) => partitionIndex(p, index))].map(quoteQualified).join(', ')}`,
        ],
        locks:
          'ACCESS EXCLUSIVE on the partitioned table, every partition and every attached index, for a catalog delete only (no rows read), under lock_timeout with retries: PostgreSQL cannot drop a partitioned index concurrently',
      },
      ...leafDropSteps(index, partitions),
    ],
  };
}

export const createIndex = {
  op: 'create-index',
  schema: createIndexSpec,
  shorthand: [
    schemaFlag,
    tableFlag,
    nameFlag,
    columnsFlag,
    {
      flag: 'expression',
      field: ['expressions'],
      value: 'texts',
      summary: 'An index key expression, e.g. "lower(email)"; repeatable (create-index).',
    },
    { flag: 'unique', field: ['unique'], value: 'true-when-given', summary: 'A unique index (create-index).' },
    usingFlag,
    { flag: 'include', field: ['include'], value: 'comma-list', summary: 'Comma-separated INCLUDE columns (create-index).' },
    whereFlag,
  ],
  defaultName: (spec) => `create-index-${spec.table}-${indexName(spec)}`,
  tables: (spec) => [{ schema: spec.schema, name: spec.table }],
  async prepare({ sql, serverVersionNum }, spec) {
    requireSafeConcurrentBuilds(serverVersionNum);
    const table = await requireTable(sql, { schema: spec.schema, name: spec.table });
    for (const [i, expression] of spec.expressions.entries()) await checkExpressionShape(sql, `expressions[${i}]`, expression);
    if (spec.where !== undefined) await checkExpressionShape(sql, 'where', spec.where);
    const definition = await probeIndexDefinition(sql, table, spec.unique, indexBody(spec));
    const name = indexName(spec);
    const existing = await readIndex(sql, spec.schema, name);
    if (existing === undefined && (await relationExists(sql, spec.schema, name))) {
      throw new NameTakenError(`${spec.schema}.${name} already exists and is not an index; choose another --name`);
    }
    if (existing !== undefined && displayName(existing.table) !== displayName(table)) {
      throw new NameTakenError(`index ${spec.schema}.${name} already exists on ${displayName(existing.table)}; choose another --name`);
    }
    if (existing !== undefined && existing.valid && existing.definition !== definition) {
      throw new NameTakenError(
        `index ${spec.schema}.${name} already exists with a different definition (${existing.definition}); choose another --name`,
      );
    }
    if (!table.partitioned) return planCreateIndex(spec, definition, existing !== undefined && existing.valid);
    if (existing !== undefined && existing.definition !== definition) {
      throw new NameTakenError(
        `index ${spec.schema}.${name} already exists with a different definition (${existing.definition}); choose another --name`,
      );
    }
    const partitions = await listPartitions(sql, table);
    requireIndexablePartitions(table, partitions);
    if (spec.unique) {
      const partitioned = [table, ...subPartitionedOf(partitions)];
      await requireUniqueCoversPartitionKeys(sql, `unique index ${name}`, partitioned, spec.columns);
    }
    await requirePartitionIndexNamesFree(sql, { table, name, unique: spec.unique, body: indexBody(spec), definition }, partitions);
    const plan = planPartitionedCreateIndex(spec, definition, partitions, existing?.valid === true);
    return existing?.valid === true
      ? { ...plan, warnings: [`index ${name} already exists with this definition: it is used as is, and rollback keeps it`] }
      : plan;
  },
} satisfies Operation<CreateIndexSpec>;
