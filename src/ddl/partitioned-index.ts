// The DDL of an index on a partitioned table, built online: the parent's index `ON ONLY` (invalid, no
// rows read), each leaf's index CONCURRENTLY, then `ALTER INDEX … ATTACH PARTITION` bottom-up; the
// parent's index turns valid when its last partition's index is attached. The per-partition names.
import type { LockMode } from '../db/lock-modes.js';
import { dollarQuote } from '../sql-text/dollar-quote.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { fitIdentifier } from './object-names.js';

/**
 * The index a migration builds on one partition (leaf or sub-partitioned): `<partition>_<index>`, cut
 * with a hash of the whole when longer than 63 bytes, so one index on two partitions, or two indexes
 * on one partition, never share a name.
 */
export const partitionIndexName = (partition: string, index: string): string => fitIdentifier(`${partition}_${index}`);

/** `create [unique ]index if not exists "name" on only "s"."t" <body>`: the partitioned table's own index, no partition's. */
export const createIndexOnOnly = (index: { name: string; table: QualifiedName; unique: boolean; body: string }): string =>
  `create ${index.unique ? 'unique ' : ''}index if not exists ${quoteIdent(index.name)} on only ${quoteQualified(index.table)} ${index.body}`;

/** `alter index "s"."parent" attach partition "s"."child"`: PostgreSQL does nothing when it is already attached to that index. */
export const attachIndex = (parent: QualifiedName, child: QualifiedName): string =>
  `alter index ${quoteQualified(parent)} attach partition ${quoteQualified(child)}`;

/** A statement that fails, naming the index, unless the partitioned index is valid (every partition's index attached). */
export function requireIndexValid(index: QualifiedName): string {
  const name = quoteQualified(index);
  const body = [
    'begin',
    `  if not coalesce((select indisvalid from pg_index where indexrelid = to_regclass(${dollarQuote(name)})), false) then`,
    `    raise exception 'index % is not valid: a partition has no index attached to it', ${dollarQuote(name)};`,
    '  end if;',
    'end',
  ].join('\n');
  return `do ${dollarQuote(`\n${body}\n`)}`;
}

/**
 * A statement that fails unless the table's leaf partitions are exactly `leaves`: run before an
 * `ADD CONSTRAINT … UNIQUE` on a partitioned table, which would otherwise build (read every row of)
 * the index of a partition attached since planning, under its ACCESS EXCLUSIVE lock.
 */
export function requireLeaves(table: QualifiedName, leaves: readonly QualifiedName[]): string {
  const list = leaves.map((l) => `to_regclass(${dollarQuote(quoteQualified(l))})`).join(', ');
  const body = [
    'declare',
    '  extra text;',
    'begin',
    `  select string_agg(relid::regclass::text, ', ') into extra from pg_partition_tree(${dollarQuote(quoteQualified(table))}::regclass)`,
    `    where isleaf and relid <> all (array_remove(array[${list}]::regclass[], null));`,
    '  if extra is not null then',
    `    raise exception 'partitions attached since the migration was planned have no unique index yet: %; roll back and start again', extra;`,
    '  end if;',
    'end',
  ].join('\n');
  return `do ${dollarQuote(`\n${body}\n`)}`;
}

/**
 * The opening `LOCK TABLE ONLY` statements of a step that locks a partitioned table and its partitions
 * in one statement (ADD CONSTRAINT on the table, DROP INDEX of its index): the table first, as writers
 * going through it take it, then each partition. Only the first waits the full lock_timeout, every
 * later one briefly (src/db/locked-ddl.ts), so a writer holding a partition never deadlocks with us.
 */
export function lockTreeFirst(
  table: QualifiedName,
  tableMode: LockMode,
  partitions: readonly QualifiedName[],
  partitionMode: LockMode,
): string[] {
  return [
    `lock table only ${quoteQualified(table)} in ${tableMode} mode`,
    ...partitions.map((p) => `lock table only ${quoteQualified(p)} in ${partitionMode} mode`),
  ];
}
