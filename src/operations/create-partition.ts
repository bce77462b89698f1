// create-partition: a new, empty partition without ACCESS EXCLUSIVE on the parent. CREATE TABLE …
// PARTITION OF takes ACCESS EXCLUSIVE on the parent: it queues behind every query on the table and
// every query queues behind it. So the table is created standalone, LIKE the parent, and attached the
// attach-partition way (its checks validate and its indexes build instantly, the table being empty).
// Rollback drops it; once attached (contract), it may hold the application's rows: no rollback then.
import { z } from 'zod';
import { identifier, sqlExpression } from '../sql-text/identifier.js';
import { parsePartitionBound } from '../sql-grammar/partition-bound.js';
import { requirePartitionedParent } from '../preflight/partition-checks.js';
import { relationExists } from '../catalog/read-index.js';
import { NameTakenError } from '../errors/index.js';
import { quoteQualified, displayName } from '../sql-text/quote.js';
import type { OperationPlan } from '../plan/plan.js';
import type { Operation } from './operation.js';
import { attachFacts, planAttach, type AttachFacts } from './partition-attach.js';
import { boundFlag, partitionFlag, schemaFlag, tableFlag } from './shared-flags.js';

export const createPartitionSpec = z
  .object({
    op: z.literal('create-partition'),
    schema: identifier.default('public').describe('schema of the partitioned table and the new partition'),
    table: identifier.describe('the partitioned table'),
    partition: identifier.describe('name of the new partition'),
    bound: sqlExpression.describe("partition bound, e.g. for values from ('2026-01-01') to ('2026-02-01'), for values in ('eu'), default"),
  })
  .strict();
export type CreatePartitionSpec = z.infer<typeof createPartitionSpec>;

/**
 * `like` copies the columns with their types, NOT NULL, defaults, CHECK constraints and generated
 * expressions: what ATTACH requires to match. Identity is not copied (a partition cannot have its own),
 * nor indexes and foreign keys (built the online way after).
 */
export function createLikeParent(facts: Pick<AttachFacts, 'parent' | 'partition'>): string {
  return `create table ${quoteQualified(facts.partition)} (like ${quoteQualified(facts.parent)} including defaults including constraints including generated including storage including comments)`;
}

export function planCreatePartition(facts: AttachFacts, warnings: readonly string[]): OperationPlan {
  const { expand, attach, rollback } = planAttach(facts);
  return {
    expand: [
      {
        description: `create table ${facts.partition.name} like ${facts.parent.name} (standalone: no lock on ${facts.parent.name} beyond ACCESS SHARE)`,
        statements: [createLikeParent(facts)],
        locks: `ACCESS SHARE on ${facts.parent.name}`,
      },
      ...expand,
    ],
    backfill: [],
    // Attached, the partition takes the application's rows: rollback would drop them, so it refuses.
    contract: [{ ...attach, reversible: false }],
    rollback: [
      ...rollback.filter((step) => !step.description.startsWith('detach ')),
      {
        description: `drop table ${facts.partition.name}`,
        statements: [`drop table if exists ${quoteQualified(facts.partition)}`],
        locks: `ACCESS EXCLUSIVE on ${facts.partition.name} (not attached, so no application uses it)`,
      },
    ],
    warnings,
    ...(facts.defaultPartition === undefined ? {} : { tables: [facts.defaultPartition] }),
  };
}

export const createPartition = {
  op: 'create-partition',
  schema: createPartitionSpec,
  shorthand: [schemaFlag, tableFlag, partitionFlag, boundFlag],
  defaultName: (spec) => `create-partition-${spec.table}-${spec.partition}`,
  tables: (spec) => [{ schema: spec.schema, name: spec.table }],
  async prepare({ sql }, spec) {
    const bound = await parsePartitionBound('bound', spec.bound);
    const parent = await requirePartitionedParent(sql, { schema: spec.schema, name: spec.table });
    const name = { schema: spec.schema, name: spec.partition };
    if (await relationExists(sql, name.schema, name.name)) {
      throw new NameTakenError(`${displayName(name)} already exists: to make an existing table a partition, use attach-partition`);
    }
    const { facts, warnings } = await attachFacts(sql, parent, name, undefined, bound, 'bound');
    return planCreatePartition(facts, warnings);
  },
} satisfies Operation<CreatePartitionSpec>;
