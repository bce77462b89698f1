// attach-partition: an existing table becomes a partition without ATTACH scanning anything or building
// an index under its lock. Expand proves the table fits (validated CHECKs stating the bound, on it and,
// negated, on the default partition; the parent's indexes built concurrently; its foreign keys
// validated); contract's ATTACH then only attaches (SHARE UPDATE EXCLUSIVE on the parent) and drops the
// helper checks. Rollback detaches it again (ACCESS EXCLUSIVE on parent and table, milliseconds).
import { z } from 'zod';
import { identifier, sqlExpression } from '../sql-text/identifier.js';
import { parsePartitionBound } from '../sql-grammar/partition-bound.js';
import { requireAttachableTable, requirePartitionedParent } from '../preflight/partition-checks.js';
import type { Operation } from './operation.js';
import { boundFlag, partitionFlag, schemaFlag, tableFlag } from './shared-flags.js';
import { attachFacts, attachPlan } from './partition-attach.js';

export const attachPartitionSpec = z
  .object({
    op: z.literal('attach-partition'),
    schema: identifier.default('public').describe('schema of the partitioned table and the partition'),
    table: identifier.describe('the partitioned table'),
    partition: identifier.describe('the existing table to attach'),
    bound: sqlExpression.describe("partition bound, e.g. for values from ('2026-01-01') to ('2026-02-01'), for values in ('eu'), default"),
  })
  .strict();
export type AttachPartitionSpec = z.infer<typeof attachPartitionSpec>;

export const attachPartition = {
  op: 'attach-partition',
  schema: attachPartitionSpec,
  shorthand: [schemaFlag, tableFlag, partitionFlag, boundFlag],
  defaultName: (spec) => `attach-partition-${spec.table}-${spec.partition}`,
  tables: (spec) => [
    { schema: spec.schema, name: spec.table },
    { schema: spec.schema, name: spec.partition },
  ],
  async prepare({ sql }, spec) {
    const bound = await parsePartitionBound('bound', spec.bound);
    const parent = await requirePartitionedParent(sql, { schema: spec.schema, name: spec.table });
    const partition = await requireAttachableTable(sql, parent.table, { schema: spec.schema, name: spec.partition });
    const { facts, warnings } = await attachFacts(sql, parent, partition, partition, bound, 'bound');
    return attachPlan(facts, warnings);
  },
} satisfies Operation<AttachPartitionSpec>;
