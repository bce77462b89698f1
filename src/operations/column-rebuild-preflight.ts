// Pre-flight of a column rebuild (change-type, rename-column): reads what is attached to each column,
// refuses what cannot be carried to its copy (exit 2, naming it), rewrites the indexes, CHECKs, default
// and foreign keys onto the copies, and has PostgreSQL build each of them on an empty copy of the table
// first. Nothing is changed.
import { describeTable, findColumn, type TableInfo } from '../catalog/describe-table.js';
import { readColumnShape, type ColumnShape } from '../catalog/column-shape.js';
import type { Sql } from '../db/connect.js';
import { displayName, quoteIdent, quoteQualified, sameName, type QualifiedName } from '../sql-text/quote.js';
import { resolutionSchemas } from '../db/search-path.js';
import {
  describeRefusalOnShadowCopy,
  indexOnShadowCopy,
  refusalOnShadowCopy,
  shadowCopy,
  type ShadowColumn,
} from '../preflight/shadow-copy-probe.js';
import { ColumnExistsError, PreflightError } from '../errors/index.js';
import { renameColumnInCheck, renameColumnInIndexBody, UnparsableDefinitionError } from '../sql-grammar/column-rename.js';
import type { ColumnRebuild, RebuiltColumn, RebuiltForeignKey, RebuiltIndex } from './column-rebuild.js';
import { probeNames, shadowName } from '../ddl/object-names.js';
import { requireSafeConcurrentBuilds } from '../preflight/index-checks.js';
import type { PreflightContext } from './operation.js';
import { backfillKey, requireNotPartition, requireNotPartitionKey } from '../preflight/table-checks.js';
import { partitionNames } from '../ddl/partition-locks.js';
import { listPartitions } from '../catalog/leaf-partitions.js';

/** One column to rebuild: its copy's name and type, and the expression over the row that fills it. */
export interface RebuildTarget {
  readonly table: TableInfo;
  readonly column: string;
  readonly shadow: string;
  readonly type: string;
  readonly using: string;
  /** Replaces the column's default (a type change whose old default does not suit the new type). */
  readonly default?: string;
}

interface ReadTarget extends RebuildTarget {
  readonly shape: ColumnShape;
}

const integerWidth: Readonly<Record<string, number>> = { smallint: 2, integer: 4, bigint: 8 };

/** Reads a target column's shape, refusing a column that is missing, generated or has dependants a rebuild cannot carry. */
export async function readTarget(sql: Sql, target: RebuildTarget): Promise<ReadTarget> {
  const where = `${target.column} of ${displayName(target.table)}`;
  const shape = await readColumnShape(sql, target.table, target.column);
  if (shape === undefined)
    throw new PreflightError('COLUMN_NOT_FOUND', `column ${target.column} does not exist on ${displayName(target.table)}`);
  if (shape.generated !== '')
    throw new PreflightError('GENERATED_COLUMN', `column ${where} is a generated column; it cannot be rebuilt online`);
  requireNotPartition(target.table, 'add a column to');
  await requireNotPartitionKey(sql, target.table, [target.column], 'rebuild (change the type of, or rename)');
  const index = shape.indexes[0];
  if (target.table.partitioned && index !== undefined) {
    throw new PreflightError(
      'UNSUPPORTED',
      `${displayName(target.table)} is partitioned: index ${index.name} on ${target.column} would have to be built again, and PostgreSQL cannot build an index on a partitioned table concurrently`,
    );
  }
  if (findColumn(target.table, target.shadow) !== undefined) throw new ColumnExistsError(displayName(target.table), target.shadow);
  if (shape.otherDependants.length > 0) {
    throw new PreflightError(
      'HAS_DEPENDANTS',
      `column ${where} has dependants a rebuild cannot carry over: ${shape.otherDependants.join('; ')}. Drop them first and re-create them after the migration`,
    );
  }
  const exclusion = shape.indexes.find((i) => i.constraint?.type === 'x');
  if (exclusion !== undefined) {
    throw new PreflightError(
      'UNSUPPORTED',
      `column ${where} is part of exclusion constraint ${exclusion.constraint?.name ?? exclusion.name}, which cannot be rebuilt online`,
    );
  }
  return { ...target, shape };
}

/** Every rewritten index, CHECK and default of one table's targets, proven on an empty copy. */
async function rebuildTable(ctx: PreflightContext, targets: readonly ReadTarget[], claimed: Set<string>): Promise<RebuiltColumn[]> {
  const first = targets[0];
  if (first === undefined) return [];
  const table = first.table;
  const shadows: ShadowColumn[] = targets.map((t) => ({ name: t.shadow, type: t.type }));
  const refuse = (what: string, reason: string): never => {
    throw new PreflightError(
      'CANNOT_REBUILD',
      `${what} of ${displayName(table)} cannot be carried to the new column: ${reason}; drop it first and re-create it after the migration`,
    );
  };
  // Each target column renamed in turn: the next rename parses the previous one's output.
  const rewrite = async (
    what: string,
    text: string,
    renameIn: (text: string, from: string, to: string) => Promise<string>,
  ): Promise<string> => {
    let out = text;
    try {
      for (const t of targets) out = await renameIn(out, t.column, t.shadow);
    } catch (error) {
      if (error instanceof UnparsableDefinitionError) refuse(what, `its definition could not be rewritten (${error.message})`);
      throw error;
    }
    return out;
  };
  const columns: RebuiltColumn[] = [];
  for (const target of targets) {
    const { shape } = target;
    const conversion = await describeRefusalOnShadowCopy(
      ctx.sql,
      table,
      shadows,
      `update ${shadowCopy} set ${quoteIdent(target.shadow)} = (${target.using})`,
    );
    if (conversion !== undefined) refuse(`the conversion of ${target.column} to ${target.type}`, conversion);
    const defaultValue = target.default ?? shape.default;
    if (defaultValue !== null) {
      const refusal = await refusalOnShadowCopy(ctx.sql, table, shadows, [
        `alter table ${shadowCopy} alter column ${quoteIdent(target.shadow)} set default (${defaultValue})`,
      ]);
      if (refusal !== undefined) {
        throw new PreflightError(
          'CANNOT_REBUILD',
          `the default ${defaultValue} of ${target.column} does not suit ${target.type}: ${refusal}; give the new default (--default)`,
        );
      }
    }
    const indexes: RebuiltIndex[] = [];
    for (const index of shape.indexes) {
      if (claimed.has(`${displayName(table)}.${index.name}`)) continue;
      claimed.add(`${displayName(table)}.${index.name}`);
      const body = await rewrite(`index ${index.name}`, index.body, renameColumnInIndexBody);
      const built = await indexOnShadowCopy(ctx.sql, table, shadows, index.unique, body);
      if ('refusal' in built) return refuse(`index ${index.name}`, built.refusal);
      const constraint =
        index.constraint === null ? null : { ...index.constraint, type: index.constraint.type === 'p' ? ('p' as const) : ('u' as const) };
      indexes.push({
        name: index.name,
        newName: shadowName(index.name),
        unique: index.unique,
        body,
        definition: built.definition,
        constraint,
      });
    }
    const checks = [];
    for (const check of shape.checks) {
      if (claimed.has(`${displayName(table)}.${check.name}`)) continue;
      claimed.add(`${displayName(table)}.${check.name}`);
      const definition = await rewrite(`check ${check.name}`, check.definition, renameColumnInCheck);
      const refusal = await refusalOnShadowCopy(ctx.sql, table, shadows, [
        `alter table ${shadowCopy} add constraint ${probeNames.shadowCopyCheck} ${definition} not valid`,
      ]);
      if (refusal !== undefined) refuse(`check ${check.name}`, refusal);
      checks.push({ ...check, definition, newName: shadowName(check.name) });
    }
    const seq = shape.sequence;
    const grow = seq !== null && (integerWidth[target.type] ?? 0) > (integerWidth[seq.dataType] ?? 8) ? target.type : null;
    columns.push({
      table: { schema: table.schema, name: table.name },
      column: target.column,
      shadow: target.shadow,
      type: target.type,
      using: target.using,
      notNull: shape.notNull,
      ...(shape.notNullConstraint === null ? {} : { notNullConstraint: shape.notNullConstraint }),
      default: defaultValue,
      ownedSequence: seq !== null && shape.identity === '' ? { ...seq, grow } : null,
      identity: seq !== null && shape.identity !== '' ? { kind: shape.identity === 'a' ? 'always' : 'by default', sequence: seq } : null,
      indexes,
      checks,
      key: await backfillKey(ctx.sql, table, ctx.serverVersionNum),
      ...(await partitionsOf(ctx.sql, table)),
    });
  }
  return columns;
}

/** A partitioned table's partitions, which each strong-lock step locks one by one (src/ddl/partition-locks.ts). */
async function partitionsOf(sql: Sql, table: TableInfo): Promise<Pick<RebuiltColumn, 'partitions'>> {
  if (!table.partitioned) return {};
  const partitions = partitionNames(await listPartitions(sql, table));
  return partitions.length > 0 ? { partitions } : {};
}

/** The foreign keys touching any rebuilt column, re-pointed at the copies. */
function rebuiltForeignKeys(targets: readonly ReadTarget[]): RebuiltForeignKey[] {
  const shadowOf = (table: QualifiedName, column: string): string =>
    targets.find((t) => sameName(t.table, table) && t.column === column)?.shadow ?? column;
  const byName = new Map<string, RebuiltForeignKey>();
  for (const fk of targets.flatMap((t) => t.shape.foreignKeys)) {
    byName.set(`${displayName(fk.table)}.${fk.name}`, {
      ...fk,
      newName: shadowName(fk.name),
      newColumns: fk.columns.map((c) => shadowOf(fk.table, c)),
      newReferencedColumns: fk.referencedColumns.map((c) => shadowOf(fk.references, c)),
    });
  }
  return [...byName.values()];
}

/**
 * Each foreign key is added again NOT VALID, which PostgreSQL before 18 refuses on a partitioned table;
 * and a partitioned table's key has a copy on every partition that only goes with it.
 */
async function requireNoPartitionedReferencing(sql: Sql, foreignKeys: readonly RebuiltForeignKey[]): Promise<void> {
  for (const fk of foreignKeys) {
    const table = await describeTable(sql, fk.table);
    if (table?.partitioned !== true && table?.partitionOf === undefined) continue;
    throw new PreflightError(
      'UNSUPPORTED',
      `foreign key ${fk.name} of ${displayName(fk.table)} would have to be added again on the new column, and online cannot re-create the foreign keys of a partitioned table (PostgreSQL before 18 cannot add them NOT VALID, and each partition holds a copy)`,
    );
  }
}

/** Reads, checks and rewrites everything the targets carry; changes nothing. */
export async function prepareColumnRebuild(
  ctx: PreflightContext,
  targets: readonly ReadTarget[],
  mode: Pick<ColumnRebuild, 'sync' | 'renameShadow'>,
): Promise<{ rebuild: ColumnRebuild; warnings: string[] }> {
  if (targets.some((t) => t.shape.indexes.length > 0)) requireSafeConcurrentBuilds(ctx.serverVersionNum);
  const claimed = new Set<string>();
  const columns: RebuiltColumn[] = [];
  const tables = [...new Map(targets.map((t) => [quoteQualified(t.table), t.table])).values()];
  for (const table of tables)
    columns.push(
      ...(await rebuildTable(
        ctx,
        targets.filter((t) => sameName(t.table, table)),
        claimed,
      )),
    );
  const warnings = targets.flatMap((t) =>
    t.shape.invalidIndexes.map(
      (name) => `index ${name} on ${displayName(t.table)} is INVALID (an interrupted build); it is not copied and goes with the old column`,
    ),
  );
  const foreignKeys = rebuiltForeignKeys(targets);
  await requireNoPartitionedReferencing(ctx.sql, foreignKeys);
  return { rebuild: { ...mode, columns, foreignKeys, searchPath: await resolutionSchemas(ctx.sql) }, warnings };
}
