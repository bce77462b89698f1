// Pre-flight for partition maintenance: the parent is partitioned, the table to attach could be one of
// its partitions (a plain table with exactly the parent's columns), and the bound is one PostgreSQL
// accepts next to the existing ones, asked of empty temporary copies in a rolled-back transaction.
import { describeNonTable, type TableInfo } from '../catalog/describe-table.js';
import { listPartitions, type PartitionInfo } from '../catalog/leaf-partitions.js';
import { readPartitionKey, type PartitionKey } from '../catalog/partition-key.js';
import type { Sql } from '../db/connect.js';
import { probeNames } from '../ddl/object-names.js';
import { PreflightError } from '../errors/index.js';
import { boundSql, type PartitionBound } from '../sql-grammar/partition-bound.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { refusalOnEmptyCopies } from './constraint-probe.js';
import { requireTable } from './table-checks.js';

export interface PartitionedParent {
  readonly table: TableInfo;
  readonly key: PartitionKey;
  /** Its partitions, first level only (the ones a new bound must not overlap). */
  readonly partitions: readonly PartitionInfo[];
}

export async function requirePartitionedParent(sql: Sql, name: QualifiedName): Promise<PartitionedParent> {
  const table = await requireTable(sql, name);
  const key = table.partitioned ? await readPartitionKey(sql, table.oid) : undefined;
  if (key === undefined) throw new PreflightError('NOT_PARTITIONED', `${displayName(table)} is not a partitioned table`);
  const partitions = (await listPartitions(sql, table)).filter((p) => p.level === 1);
  return { table, key, partitions };
}

/** A plain table that is no partition yet and has exactly the parent's columns: ATTACH's own rules, checked first. */
export async function requireAttachableTable(sql: Sql, parent: TableInfo, name: QualifiedName): Promise<TableInfo> {
  if ((await describeNonTable(sql, name)) === 'a foreign table') {
    throw new PreflightError(
      'UNSUPPORTED',
      `${displayName(name)} is a foreign table: PostgreSQL cannot validate a CHECK on it, so the attach could not be proven without a scan; attach it in an sql step`,
    );
  }
  const table = await requireTable(sql, name);
  if (table.partitioned) {
    throw new PreflightError('UNSUPPORTED', `${displayName(table)} is itself partitioned: attach-partition attaches plain tables only`);
  }
  if (table.partitionOf !== undefined) {
    throw new PreflightError('PARTITION', `${displayName(table)} is already a partition of ${displayName(table.partitionOf)}`);
  }
  const problems = columnMismatches(parent, table);
  if (problems.length > 0) {
    throw new PreflightError(
      'COLUMNS_DIFFER',
      `${displayName(table)} cannot be a partition of ${displayName(parent)}: ${problems.join('; ')}`,
    );
  }
  return table;
}

function columnMismatches(parent: TableInfo, table: TableInfo): string[] {
  const mine = new Map(table.columns.map((c) => [c.name, c]));
  const theirs = new Set(parent.columns.map((c) => c.name));
  const problems: string[] = [];
  for (const column of parent.columns) {
    const own = mine.get(column.name);
    if (own === undefined) problems.push(`column ${column.name} is missing`);
    else if (own.type !== column.type) problems.push(`column ${column.name} is ${own.type}, the parent's is ${column.type}`);
    else if (column.notNull && !own.notNull) problems.push(`column ${column.name} must be NOT NULL, as the parent's is`);
    else if (own.generated !== column.generated)
      problems.push(
        `column ${column.name} must ${column.generated === '' ? 'not ' : ''}be generated, as the parent's is${column.generated === '' ? ' not' : ''}`,
      );
    else if (own.identity !== '') problems.push(`column ${column.name} is an identity column: a partition cannot have its own`);
  }
  for (const column of table.columns) if (!theirs.has(column.name)) problems.push(`column ${column.name} is not in the parent`);
  // ATTACH merges the parent's CHECK constraints by name: the table must have each, with the same expression.
  for (const check of parent.constraints.filter((c) => c.type === 'c')) {
    const own = table.constraints.find((c) => c.type === 'c' && c.name === check.name);
    if (own?.definition !== check.definition) problems.push(`it lacks the parent's constraint ${check.name} ${check.definition}`);
  }
  return problems;
}

/**
 * PostgreSQL's verdict on the bound (overlap with an existing partition, a second default, values of the
 * wrong type or count, a modulus that does not fit) and on the CHECKs stating it, from a temporary
 * partitioned copy of the parent with copies of its partitions: nothing real is touched.
 */
export async function boundRefusal(
  sql: Sql,
  parent: PartitionedParent,
  bound: PartitionBound,
  checks: readonly string[],
): Promise<string | undefined> {
  const copy = probeNames.partitionedCopy;
  const statements = [
    `create temporary table ${copy} (like ${quoteQualified(parent.table)}) partition by ${parent.key.definition}`,
    ...parent.partitions.map(
      (p, i) => `create temporary table ${quoteIdent(`${probeNames.partitionCopyPrefix}${i}`)} partition of ${copy} ${p.bound}`,
    ),
    `create temporary table ${probeNames.newPartitionCopy} partition of ${copy} ${boundSql(bound)}`,
    ...checks.map((check) => `alter table ${probeNames.newPartitionCopy} add check (${check}) not valid`),
  ];
  return refusalOnEmptyCopies(sql, statements);
}
