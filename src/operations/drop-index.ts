// drop-index: contract only, DROP INDEX CONCURRENTLY (outside a transaction; reads and writes
// continue). Refused in pre-flight when the index backs a constraint: drop the constraint instead.
// A partitioned table's index cannot be dropped concurrently: a plain DROP INDEX, catalog only, with
// ACCESS EXCLUSIVE on the table and every partition for milliseconds, taken table first under
// lock_timeout with retries (each partition's index goes with it).
import { z } from 'zod';
import { readIndex } from '../catalog/read-index.js';
import { displayName, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { listPartitions } from '../catalog/leaf-partitions.js';
import { lockTreeFirst } from '../ddl/partitioned-index.js';
import { PreflightError } from '../errors/index.js';
import { identifier } from '../sql-text/identifier.js';
import type { Operation } from './operation.js';
import { nameFlag, schemaFlag, tableFlag } from './shared-flags.js';
import { dollarQuote } from '../sql-text/dollar-quote.js';
import type { OperationPlan } from '../plan/plan.js';
import { requireTable } from '../preflight/table-checks.js';
import { dropIndexConcurrently } from '../ddl/concurrent-index.js';

export const dropIndexSpec = z
  .object({
    op: z.literal('drop-index'),
    schema: identifier.default('public').describe('schema of the table and the index'),
    table: identifier.describe('table the index belongs to'),
    name: identifier.describe('index to drop'),
  })
  .strict();

export type DropIndexSpec = z.infer<typeof dropIndexSpec>;

/** What pre-flight learned from the catalog. */
export interface DropIndexFacts {
  /** The index was valid when the migration was planned (an invalid one is only done once it is gone). */
  readonly valid: boolean;
}

/** Pure planning for an index of a partitioned table; `partitions` as listPartitions reads them. */
export function planDropPartitionedIndex(spec: DropIndexSpec, partitions: readonly QualifiedName[]): OperationPlan {
  const table = { schema: spec.schema, name: spec.table };
  return {
    expand: [],
    backfill: [],
    contract: [
      {
        description: `drop index ${spec.name} (with every partition's index attached to it)`,
        statements: [
          ...lockTreeFirst(table, 'access exclusive', partitions, 'access exclusive'),
          `drop index if exists ${quoteQualified({ schema: spec.schema, name: spec.name })}`,
        ],
        locks:
          'ACCESS EXCLUSIVE on the table, every partition and every attached index, for a catalog delete only (no rows read), under lock_timeout with retries: PostgreSQL cannot drop a partitioned index concurrently',
      },
    ],
    rollback: [],
  };
}

export function planDropIndex(spec: DropIndexSpec, facts: DropIndexFacts): OperationPlan {
  const index = dollarQuote(quoteQualified({ schema: spec.schema, name: spec.name }));
  return {
    expand: [],
    backfill: [],
    contract: [
      {
        kind: 'concurrent',
        description: `drop index ${spec.name} concurrently`,
        statements: [dropIndexConcurrently({ schema: spec.schema, name: spec.name })],
        locks: 'SHARE UPDATE EXCLUSIVE on the table, then waits for transactions using the index: reads and writes continue',
        // Done once the index is gone or, when it was valid, half-dropped by a killed DROP INDEX
        // CONCURRENTLY (no longer valid: queries stopped using it), which only finishing the drop tidies.
        doneWhen: facts.valid
          ? `select coalesce((select not i.indisvalid from pg_index i where i.indexrelid = to_regclass(${index})), true) as done`
          : `select to_regclass(${index}) is null as done`,
      },
    ],
    rollback: [],
  };
}

export const dropIndex = {
  op: 'drop-index',
  schema: dropIndexSpec,
  shorthand: [schemaFlag, tableFlag, nameFlag],
  defaultName: (spec) => `drop-index-${spec.name}`,
  tables: (spec) => [{ schema: spec.schema, name: spec.table }],
  async prepare({ sql }, spec) {
    const table = await requireTable(sql, { schema: spec.schema, name: spec.table });
    const index = await readIndex(sql, spec.schema, spec.name);
    if (index === undefined) throw new PreflightError('INDEX_NOT_FOUND', `index ${spec.schema}.${spec.name} does not exist`);
    if (displayName(index.table) !== displayName(table)) {
      throw new PreflightError(
        'INDEX_NOT_FOUND',
        `index ${spec.schema}.${spec.name} belongs to ${displayName(index.table)}, not ${displayName(table)}`,
      );
    }
    if (index.parent !== null) {
      throw new PreflightError(
        'UNSUPPORTED',
        `index ${spec.name} is attached to partitioned index ${index.parent}: it is dropped only with that index`,
      );
    }
    if (index.constraint !== null) {
      throw new PreflightError(
        'INDEX_BACKS_CONSTRAINT',
        `index ${spec.name} backs constraint ${index.constraint}; drop the constraint instead`,
      );
    }
    if (table.partitioned) return planDropPartitionedIndex(spec, await listPartitions(sql, table));
    return planDropIndex(spec, { valid: index.valid });
  },
} satisfies Operation<DropIndexSpec>;
