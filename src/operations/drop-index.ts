// drop-index: contract only, DROP INDEX CONCURRENTLY (outside a transaction; reads and writes
// continue). Refused in pre-flight when the index backs a constraint: drop the constraint instead.
import { z } from 'zod';
import { readIndex } from '../catalog/read-index.js';
import { displayName, quoteQualified } from '../sql-text/quote.js';
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
    if (table.partitioned) {
      throw new PreflightError(
        'UNSUPPORTED',
        `${displayName(table)} is partitioned: PostgreSQL cannot drop an index of a partitioned table concurrently (drop it in an sql step: DROP INDEX locks every partition)`,
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
    return planDropIndex(spec, { valid: index.valid });
  },
} satisfies Operation<DropIndexSpec>;
