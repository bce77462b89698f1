// Pre-flight for an index or unique constraint on a partitioned table: every partition must be able to
// take an index built concurrently and attached, and a unique one must include every partition key.
import type { Sql } from '../db/connect.js';
import type { PartitionInfo } from '../catalog/leaf-partitions.js';
import { NameTakenError, PreflightError } from '../errors/index.js';
import { readIndex, relationExists } from '../catalog/read-index.js';
import { parentIndex, partitionIndex, type PartitionedIndex } from '../ddl/partition-index-steps.js';
import { displayName, quoteQualified, type QualifiedName } from '../sql-text/quote.js';

/** Foreign partitions take no index, so the parent's would never turn valid; a partition being detached can't take an attach. */
export function requireIndexablePartitions(table: QualifiedName, partitions: readonly PartitionInfo[]): void {
  const foreign = partitions.filter((p) => p.kind === 'f');
  if (foreign.length > 0) {
    throw new PreflightError(
      'UNSUPPORTED',
      `${displayName(table)} has foreign-table partitions (${foreign.map(displayName).join(', ')}): PostgreSQL cannot index a foreign table, so the partitioned index could never become valid (no PostgreSQL version allows it)`,
    );
  }
  const detaching = partitions.filter((p) => p.detachPending);
  if (detaching.length > 0) {
    throw new PreflightError(
      'UNSUPPORTED',
      `partitions of ${displayName(table)} are being detached (${detaching.map(displayName).join(', ')}): finish with ALTER TABLE … DETACH PARTITION … FINALIZE first`,
    );
  }
}

/** Each partitioned table's partition key columns; 0 in attnum stands for an expression. */
async function partitionKeys(sql: Sql, table: QualifiedName): Promise<{ column: string | null }[]> {
  return sql<{ column: string | null }[]>`
    select a.attname as column
    from pg_partitioned_table p cross join lateral unnest(p.partattrs::int2[]) with ordinality as k(attnum, n)
    left join pg_attribute a on a.attrelid = p.partrelid and a.attnum = k.attnum and k.attnum <> 0
    where p.partrelid = ${quoteQualified(table)}::regclass
    order by k.n`;
}

/**
 * PostgreSQL refuses a unique index on a partitioned table (and on each sub-partitioned partition)
 * that lacks a partition key column: "unique constraint on partitioned table must include all
 * partitioning columns". Said here, naming the missing columns, before anything is built.
 */
export async function requireUniqueCoversPartitionKeys(
  sql: Sql,
  what: string,
  tables: readonly QualifiedName[],
  columns: readonly string[],
): Promise<void> {
  const missing: string[] = [];
  for (const table of tables) {
    for (const key of await partitionKeys(sql, table)) {
      if (key.column === null) {
        throw new PreflightError(
          'UNSUPPORTED',
          `${what} cannot be unique: ${displayName(table)} is partitioned by an expression, and PostgreSQL allows unique indexes only on tables partitioned by plain columns (no version allows it)`,
        );
      }
      if (!columns.includes(key.column)) missing.push(`${key.column} (partition key of ${displayName(table)})`);
    }
  }
  if (missing.length > 0) {
    throw new PreflightError(
      'UNIQUE_WITHOUT_PARTITION_KEY',
      `${what} must include every partition key column as a key column, and lacks ${missing.join(', ')}: PostgreSQL enforces uniqueness per partition only ("unique constraint on partitioned table must include all partitioning columns")`,
    );
  }
}

/**
 * Every index the plan makes on a partition has a name it can use: free, or an index of that very
 * partition with the planned definition that is attached to nothing or to the index it is planned to
 * attach to (a valid one is kept; an invalid leftover of an interrupted build is rebuilt).
 */
export async function requirePartitionIndexNamesFree(
  sql: Sql,
  index: PartitionedIndex,
  partitions: readonly PartitionInfo[],
): Promise<void> {
  for (const partition of partitions) {
    const own = partitionIndex(partition, index);
    const existing = await readIndex(sql, own.schema, own.name);
    if (existing === undefined) {
      if (await relationExists(sql, own.schema, own.name)) {
        throw new NameTakenError(`${displayName(own)} already exists and is not an index; choose another --name`);
      }
      continue;
    }
    const taken = (why: string) => new NameTakenError(`index ${displayName(own)} ${why}; choose another --name`);
    if (displayName(existing.table) !== displayName(partition)) throw taken(`already exists on ${displayName(existing.table)}`);
    if (existing.parent !== null && !(await attachedTo(sql, own, parentIndex(partition.parent, index)))) {
      throw taken(`is already attached to ${existing.parent}`);
    }
    if (existing.constraint !== null) throw taken(`already backs constraint ${existing.constraint}`);
    if ((existing.valid || partition.kind === 'p') && existing.definition !== index.definition) {
      throw taken(`already exists with a different definition (${existing.definition})`);
    }
  }
}

async function attachedTo(sql: Sql, index: QualifiedName, parent: QualifiedName): Promise<boolean> {
  const [row] = await sql<{ attached: boolean }[]>`
    select exists (select from pg_inherits where inhrelid = to_regclass(${quoteQualified(index)}) and inhparent = to_regclass(${quoteQualified(parent)})) as attached`;
  return row?.attached === true;
}
