// The planned steps shared by create-index and add-unique on a partitioned table: one concurrent build
// per leaf partition, and the bottom-up ATTACH PARTITION of each partition's index to its parent's.
import type { PartitionInfo } from '../catalog/leaf-partitions.js';
import type { PlannedStep, ViolationProbe } from '../plan/plan.js';
import type { QualifiedName } from '../sql-text/quote.js';
import { createIndexConcurrently, dropIndexConcurrently } from './concurrent-index.js';
import { attachIndex, partitionIndexName } from './partitioned-index.js';

/** An index planned on a partitioned table: its name (in the table's schema), shape and definition. */
export interface PartitionedIndex {
  readonly table: QualifiedName;
  readonly name: string;
  readonly unique: boolean;
  /** What follows `ON <table>`. */
  readonly body: string;
  /** The normalized definition (IndexBuild.definition), the same on every partition. */
  readonly definition: string;
}

/** The partition's own index for `index`: in the partition's schema. */
export const partitionIndex = (partition: QualifiedName, index: PartitionedIndex): QualifiedName => ({
  schema: partition.schema,
  name: partitionIndexName(partition.name, index.name),
});

/** The index of `table` (the root's or a sub-partitioned partition's) that its partitions' indexes attach to. */
export const parentIndex = (table: QualifiedName, index: PartitionedIndex): QualifiedName =>
  table.schema === index.table.schema && table.name === index.table.name
    ? { schema: index.table.schema, name: index.name }
    : partitionIndex(table, index);

export const leavesOf = (partitions: readonly PartitionInfo[]): PartitionInfo[] => partitions.filter((p) => p.kind === 'r');
export const subPartitionedOf = (partitions: readonly PartitionInfo[]): PartitionInfo[] => partitions.filter((p) => p.kind === 'p');

const buildLocks =
  'SHARE UPDATE EXCLUSIVE on the partition for the whole build: reads and writes continue; it waits for transactions older than the build';

/** One CREATE INDEX CONCURRENTLY per leaf partition; resume drops an invalid leftover of that leaf's index and keeps a valid one. */
export function leafBuildSteps(
  index: PartitionedIndex,
  partitions: readonly PartitionInfo[],
  explain?: (leaf: QualifiedName) => ViolationProbe,
): PlannedStep[] {
  return leavesOf(partitions).map((leaf) => {
    const own = partitionIndex(leaf, index);
    const table = { schema: leaf.schema, name: leaf.name };
    return {
      kind: 'concurrent',
      description: `build ${index.unique ? 'unique ' : ''}index ${own.name} on partition ${leaf.name} concurrently`,
      statements: [createIndexConcurrently({ name: own.name, table, unique: index.unique, body: index.body })],
      buildsIndex: { schema: own.schema, name: own.name, table, definition: index.definition },
      locks: buildLocks,
      ...(explain === undefined ? {} : { explain: explain(table) }),
    };
  });
}

/**
 * ATTACH PARTITION of every partition's index to its parent's, deepest first, so that each index is
 * valid when it is attached and the root's turns valid with the last attach. (PostgreSQL 15 and 17
 * also accept a still-invalid sub-partition index, take the same locks, and validate upwards once its
 * last partition's index is attached; deepest first just keeps every attach a complete one.)
 */
export function attachSteps(index: PartitionedIndex, partitions: readonly PartitionInfo[]): PlannedStep[] {
  const deepestFirst = [...partitions].sort((a, b) => b.level - a.level);
  return deepestFirst.map((partition) => {
    const own = partitionIndex(partition, index);
    const parent = parentIndex(partition.parent, index);
    return {
      description: `attach index ${own.name} to ${parent.name}`,
      statements: [attachIndex(parent, own)],
      locks:
        'ACCESS EXCLUSIVE on the partition index, SHARE UPDATE EXCLUSIVE on the parent index, ACCESS SHARE on both tables, for a catalog update only (no rows read), under lock_timeout with retries',
    };
  });
}

/** Rollback of the leaves' builds: each leftover that is attached to nothing (the parent index's drop took the attached ones). */
export function leafDropSteps(index: PartitionedIndex, partitions: readonly PartitionInfo[]): PlannedStep[] {
  return leavesOf(partitions).map((leaf) => {
    const own = partitionIndex(leaf, index);
    return {
      kind: 'concurrent',
      description: `drop index ${own.name} concurrently`,
      statements: [dropIndexConcurrently(own)],
      locks: 'SHARE UPDATE EXCLUSIVE on the partition: reads and writes continue',
    };
  });
}
