// detach-partition: contract only. DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+) takes SHARE UPDATE
// EXCLUSIVE, marks the partition "detach pending", commits, waits for every transaction that might
// still see it, then finishes: reads and writes of the parent continue throughout. A run killed during
// that wait leaves it pending; resume finds the step took effect (doneWhen) and runs DETACH … FINALIZE.
// PostgreSQL refuses CONCURRENTLY when the parent has a default partition; then a plain DETACH runs
// under lock_timeout instead (ACCESS EXCLUSIVE on the parent for milliseconds), and pre-flight says so.
import { z } from 'zod';
import { identifier } from '../sql-text/identifier.js';
import { PreflightError } from '../errors/index.js';
import { requirePartitionedParent } from '../preflight/partition-checks.js';
import { dollarQuote } from '../sql-text/dollar-quote.js';
import { quoteLiteral } from '../sql-text/literal.js';
import { displayName, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import type { OperationPlan } from '../plan/plan.js';
import type { Operation } from './operation.js';
import { partitionFlag, schemaFlag, tableFlag } from './shared-flags.js';

export const detachPartitionSpec = z
  .object({
    op: z.literal('detach-partition'),
    schema: identifier.default('public').describe('schema of the partitioned table and the partition'),
    table: identifier.describe('the partitioned table'),
    partition: identifier.describe('the partition to detach (it stays, as a table of its own)'),
  })
  .strict();
export type DetachPartitionSpec = z.infer<typeof detachPartitionSpec>;

/** DETACH … CONCURRENTLY came in PostgreSQL 14. */
export const minimumConcurrentDetachVersion = 140000;

export interface DetachFacts {
  /** The parent has a default partition: PostgreSQL refuses CONCURRENTLY, a plain DETACH runs. */
  readonly hasDefault: boolean;
  /** An earlier DETACH … CONCURRENTLY was interrupted: only FINALIZE is left. */
  readonly pending: boolean;
}

const regclass = (name: QualifiedName): string => `to_regclass(${quoteLiteral(quoteQualified(name))})`;

/** Pending rows of pg_inherits for the pair, or any row at all. */
const inherits = (parent: QualifiedName, partition: QualifiedName, pendingOnly: boolean): string =>
  `select 1 from pg_inherits where inhrelid = ${regclass(partition)} and inhparent = ${regclass(parent)}${pendingOnly ? ' and inhdetachpending' : ''}`;

export function planDetachPartition(spec: DetachPartitionSpec, facts: DetachFacts): OperationPlan {
  const parent = { schema: spec.schema, name: spec.table };
  const partition = { schema: spec.schema, name: spec.partition };
  const detach = `alter table ${quoteQualified(parent)} detach partition ${quoteQualified(partition)}`;
  if (facts.hasDefault) {
    return {
      expand: [],
      backfill: [],
      contract: [
        {
          description: `detach ${spec.partition} from ${spec.table} (plain: the table has a default partition, which PostgreSQL refuses CONCURRENTLY with)`,
          statements: [detach],
          locks: `ACCESS EXCLUSIVE on ${spec.table}, ${spec.partition} and the default partition for milliseconds (no scan)`,
        },
      ],
      rollback: [],
    };
  }
  const finalize = `do ${dollarQuote(` begin if exists (${inherits(parent, partition, true)}) then ${detach} finalize; end if; end `)}`;
  return {
    expand: [],
    backfill: [],
    contract: [
      ...(facts.pending
        ? []
        : [
            {
              kind: 'concurrent' as const,
              description: `detach ${spec.partition} from ${spec.table} concurrently`,
              statements: [`${detach} concurrently`],
              locks: `SHARE UPDATE EXCLUSIVE on ${spec.table} and ${spec.partition}, then waits for transactions that might see the partition: reads and writes continue`,
              // Done once the partition is no longer plainly attached: detached, or pending (FINALIZE is next).
              doneWhen: `select not exists (${inherits(parent, partition, false)} and not inhdetachpending) as done`,
            },
          ]),
      {
        description: `finish an interrupted detach of ${spec.partition} (DETACH … FINALIZE), if one is pending`,
        statements: [finalize],
        locks: `only when a detach is pending: SHARE UPDATE EXCLUSIVE on ${spec.table}, ACCESS EXCLUSIVE on ${spec.partition} for milliseconds`,
      },
    ],
    rollback: [],
  };
}

export const detachPartition = {
  op: 'detach-partition',
  schema: detachPartitionSpec,
  shorthand: [schemaFlag, tableFlag, partitionFlag],
  defaultName: (spec) => `detach-partition-${spec.table}-${spec.partition}`,
  tables: (spec) => [
    { schema: spec.schema, name: spec.table },
    { schema: spec.schema, name: spec.partition },
  ],
  async prepare({ sql, serverVersionNum }, spec) {
    const parent = await requirePartitionedParent(sql, { schema: spec.schema, name: spec.table });
    const partition = parent.partitions.find((p) => p.schema === spec.schema && p.name === spec.partition);
    if (partition === undefined) {
      throw new PreflightError(
        'NOT_A_PARTITION',
        `${displayName({ schema: spec.schema, name: spec.partition })} is not a partition of ${displayName(parent.table)}`,
      );
    }
    const hasDefault = parent.partitions.some((p) => p.isDefault);
    const warnings = hasDefault
      ? [
          `${displayName(parent.table)} has a default partition: PostgreSQL refuses DETACH … CONCURRENTLY then, so a plain DETACH runs under lock_timeout (ACCESS EXCLUSIVE on ${spec.table} for milliseconds; queries queue behind it at most lock_timeout)`,
        ]
      : [];
    if (!hasDefault && serverVersionNum < minimumConcurrentDetachVersion) {
      throw new PreflightError(
        'UNSUPPORTED',
        `DETACH PARTITION … CONCURRENTLY needs PostgreSQL 14 or later; this server is ${Math.floor(serverVersionNum / 10000)}: a plain DETACH would hold ACCESS EXCLUSIVE on ${spec.table}`,
      );
    }
    return { ...planDetachPartition(spec, { hasDefault, pending: partition.detachPending }), warnings };
  },
} satisfies Operation<DetachPartitionSpec>;
