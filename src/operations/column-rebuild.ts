// Rebuilding a column online: the shared plan of change-type and rename-column. Each rebuilt column
// gets a copy (its "shadow": `<column>_online_new` for a type change, the new name for a rename) that
// triggers keep in sync while old code still writes the old column; the backfill fills it, a second
// pass proves every row agrees, and contract swaps the copy in inside one short transaction.
//
//   expand    add the shadow column (nullable, no default: catalog only)
//             install the sync trigger(s): one-way (shadow := using(row)) for a type change, two-way
//             (whichever name the writer changed wins) for a rename
//             add every CHECK on the column again on the shadow NOT VALID, and CHECK (shadow IS NOT
//             NULL) NOT VALID for a NOT NULL column (the trigger already keeps written rows valid)
//   backfill  fill: shadow = using(row) where they differ; then verify: the same comparison over
//             every row again with a fresh upper bound (rows written since the fill started included).
//             A row whose conversion fails stops the run with sample keys and PostgreSQL's reason
//   contract  build every index that uses the column again on the shadow, CONCURRENTLY (only now: see
//             indexCopySteps); add the foreign keys again NOT VALID on the shadows (they can only be
//             added now: a key is only found in a referenced shadow once that table is filled and its
//             unique index built), validate them and the
//             CHECKs (SHARE UPDATE EXCLUSIVE: reads and writes go on), then the swap, in ONE
//             transaction under lock_timeout with retries, catalog-only statements:
//               lock every table involved (ACCESS EXCLUSIVE, one LOCK TABLE each, referenced tables
//               first: only the first lock waits lock_timeout), drop the triggers, drop the old foreign
//               keys and the primary key / unique constraints on the old column, SET NOT NULL on the
//               shadow (no scan: the validated CHECK proves it; on 18, ADD CONSTRAINT … NOT NULL, so
//               the old column's constraint name can be kept), move sequence ownership (and widen a
//               serial's sequence to the new integer type), the default or the identity, drop the old
//               column, rename the shadow into place (type change), re-attach the primary key / unique
//               constraints to the new indexes (ADD CONSTRAINT … USING INDEX), and give the new
//               indexes, CHECKs, foreign keys (and NOT NULL constraint, on 18) the old names
//   rollback  drop the new foreign keys, the triggers and the shadow columns (their indexes and CHECKs
//             go with them); the original column was never touched
//
// The old column is dropped rather than kept as `<column>_old`: once the triggers are gone it would
// silently go stale, and keeping it would also keep its NOT NULL, unique and foreign keys enforcing
// stale rules. Contract's swap is the point of no return; the steps before it only add and validate
// what rollback drops.
import type { KeyColumn } from '../catalog/describe-table.js';
import type { ColumnCheck, ColumnSequence, ForeignKeyShape } from '../catalog/column-shape.js';
import { displayName, quoteIdent, quoteQualified, sameName, type QualifiedName } from '../sql-text/quote.js';
import { dollarQuote } from '../sql-text/dollar-quote.js';
import { lockTablesFirst, type TableLock } from '../ddl/lock-tables-first.js';
import { partitionLocksFirst } from '../ddl/partition-locks.js';
import { rebuildNames, shadowName } from '../ddl/object-names.js';
import { createSyncFunction } from '../ddl/sync-function.js';
import { createConversionErrorFunction, unconvertibleRowsQuery } from '../ddl/conversion-error-function.js';
import { replaceRowTrigger } from '../ddl/row-trigger.js';
import { dropTriggers, type FunctionSignature } from '../ddl/drop-triggers.js';
import { addNotValid, notNullCheck, replaceNotValid, validateConstraint } from '../ddl/not-valid-constraint.js';
import { foreignKeyDefinition } from '../ddl/foreign-key-definition.js';
import { createIndexConcurrently } from '../ddl/concurrent-index.js';
import { verifyTaskId, type BackfillTask, type OperationPlan, type PlannedStep } from '../plan/plan.js';

export interface RebuiltIndex {
  readonly name: string;
  readonly newName: string;
  readonly unique: boolean;
  /** What follows `ON <table>`, on the shadow column. */
  readonly body: string;
  /** PostgreSQL's normalized definition of the new index (from the pre-flight probe). */
  readonly definition: string;
  readonly constraint: { readonly name: string; readonly type: 'p' | 'u'; readonly deferrable: boolean; readonly deferred: boolean } | null;
}

export interface RebuiltCheck extends ColumnCheck {
  readonly newName: string;
}

export interface RebuiltColumn {
  readonly table: QualifiedName;
  readonly column: string;
  readonly shadow: string;
  /** The shadow's type. */
  readonly type: string;
  /** SQL over the row giving the shadow's value. */
  readonly using: string;
  readonly notNull: boolean;
  /**
   * PostgreSQL 18+, where NOT NULL is a constraint with a name: the old column's, which the copy's
   * NOT NULL takes over (SET NOT NULL would name it after the shadow). Absent before 18.
   */
  readonly notNullConstraint?: string;
  /** The default expression to move to the shadow. */
  readonly default: string | null;
  /** A serial's owned sequence; `grow` is the integer type to widen it to, if any. */
  readonly ownedSequence: (ColumnSequence & { readonly grow: string | null }) | null;
  /** An identity column: its kind and current sequence (re-created on the shadow, continuing it). */
  readonly identity: { readonly kind: 'always' | 'by default'; readonly sequence: ColumnSequence } | null;
  readonly indexes: readonly RebuiltIndex[];
  readonly checks: readonly RebuiltCheck[];
  /** The table's backfill key (empty: ctid pages). */
  readonly key: readonly KeyColumn[];
  /** A partitioned table's partitions, locked one by one ahead of each strong-lock step (partition-locks.ts). */
  readonly partitions?: readonly QualifiedName[];
}

export interface RebuiltForeignKey extends ForeignKeyShape {
  readonly newName: string;
  /** Columns of the new constraint (shadows where rebuilt). */
  readonly newColumns: readonly string[];
  readonly newReferencedColumns: readonly string[];
}

export interface ColumnRebuild {
  /** `one-way`: the shadow follows the column (type change). `two-way`: both names are writable (rename). */
  readonly sync: 'one-way' | 'two-way';
  /** After contract the shadow takes the old column's name (type change); otherwise it keeps its own. */
  readonly renameShadow: boolean;
  readonly columns: readonly RebuiltColumn[];
  readonly foreignKeys: readonly RebuiltForeignKey[];
  /** The schemas pre-flight resolved `using` with: pinned in the sync and conversion functions and the backfill. */
  readonly searchPath: readonly string[];
}

/** The names of a rebuilt column's helper objects: unique to its (schema, table, column). */
const namesOf = (c: Pick<RebuiltColumn, 'table' | 'column'>): ReturnType<typeof rebuildNames> =>
  rebuildNames({ schema: c.table.schema, table: c.table.name, column: c.column });

/** A helper function of the rebuilt column, in the table's schema. */
const fnOf = (c: RebuiltColumn, name: string): QualifiedName => ({ schema: c.table.schema, name });

/** The sync function and, for a type change, the conversion probe: what the swap and rollback drop after the triggers. */
function helperFunctions(rebuild: ColumnRebuild, c: RebuiltColumn): FunctionSignature[] {
  const names = namesOf(c);
  return [{ name: fnOf(c, names.fn) }, ...(rebuild.sync === 'one-way' ? [{ name: fnOf(c, names.check), parameterTypes: [c.table] }] : [])];
}

const dropHelpers = (rebuild: ColumnRebuild, c: RebuiltColumn): string[] => {
  const names = namesOf(c);
  return dropTriggers(c.table, [names.insertTrigger, names.updateTrigger], helperFunctions(rebuild, c));
};

function expandSteps(rebuild: ColumnRebuild, c: RebuiltColumn): PlannedStep[] {
  const t = quoteQualified(c.table);
  const names = namesOf(c);
  const fn = fnOf(c, names.fn);
  const shadow = quoteIdent(c.shadow);
  const sync = { column: c.column, shadow: c.shadow, using: c.using, searchPath: rebuild.searchPath };
  const lead = (statements: readonly string[]): string[] => [...partitionLocksFirst(c.table, c.partitions ?? []), ...statements];
  const steps: PlannedStep[] = [
    {
      description: `add column ${c.shadow} ${c.type} to ${c.table.name} (nullable, no default)`,
      statements: lead([`alter table ${t} add column if not exists ${quoteIdent(c.shadow)} ${c.type}`]),
      locks: `ACCESS EXCLUSIVE on ${c.table.name}, brief: catalog only`,
    },
    {
      description:
        rebuild.sync === 'two-way'
          ? `install triggers that keep ${c.column} and ${c.shadow} equal, whichever one a writer changes`
          : `install triggers that keep ${c.shadow} = using(row) on every insert and update`,
      statements: lead([
        createSyncFunction({ name: fn, sync: rebuild.sync, ...sync }),
        ...(rebuild.sync === 'one-way'
          ? [createConversionErrorFunction({ name: fnOf(c, names.check), table: c.table, type: c.type, ...sync })]
          : []),
        ...replaceRowTrigger({ name: names.insertTrigger, table: c.table, events: 'insert', fn }),
        ...replaceRowTrigger({
          name: names.updateTrigger,
          table: c.table,
          events: 'update',
          ...(rebuild.sync === 'one-way' ? { when: `NEW.${shadow} is not distinct from OLD.${shadow}` } : {}),
          fn,
        }),
      ]),
      locks: `ACCESS EXCLUSIVE on ${c.table.name} (DROP TRIGGER), then SHARE ROW EXCLUSIVE (CREATE TRIGGER): brief, catalog only`,
    },
  ];
  const checks = [
    ...c.checks.map((check) => ({ name: check.newName, definition: check.definition })),
    ...(c.notNull ? [{ name: names.notNull, definition: notNullCheck(c.shadow) }] : []),
  ];
  if (checks.length > 0) {
    steps.push({
      description: `add the CHECKs of ${c.column}${c.notNull ? ' and its NOT NULL' : ''} on ${c.shadow}, not valid`,
      statements: lead([replaceNotValid(c.table, checks)]),
      locks: `ACCESS EXCLUSIVE on ${c.table.name}, brief: no scan`,
    });
  }
  return steps;
}

/**
 * The copies of the column's indexes, built CONCURRENTLY once the fill pass is done, as contract's first
 * steps. Built earlier, a unique copy would make the shadow a key column while the sync trigger still
 * fills it row by row: every application update of a row not yet backfilled would then take FOR UPDATE
 * instead of FOR NO KEY UPDATE, conflicting with the FOR KEY SHARE of foreign-key checks, and two
 * application transactions that never conflicted before could deadlock each other. After the fill,
 * the trigger writes the shadow's value unchanged, which is no key update. Built after the fill, the
 * indexes also cost the backfill nothing (its updates can stay HOT) and are built in one sorted pass.
 */
function indexCopySteps(c: RebuiltColumn): PlannedStep[] {
  return c.indexes.map((index) => ({
    kind: 'concurrent',
    description: `build ${index.unique ? 'unique ' : ''}index ${index.newName} on ${c.shadow} concurrently (copy of ${index.name})`,
    statements: [createIndexConcurrently({ name: index.newName, table: c.table, unique: index.unique, body: index.body })],
    buildsIndex: { schema: c.table.schema, name: index.newName, table: c.table, definition: index.definition },
    locks: `SHARE UPDATE EXCLUSIVE on ${c.table.name} for the whole build: reads and writes continue`,
    reversible: true,
  }));
}

function backfillTasks(rebuild: ColumnRebuild, c: RebuiltColumn): { fill: BackfillTask; verify: BackfillTask } {
  const shadow = quoteIdent(c.shadow);
  const id = `${c.table.schema}.${c.table.name}.${c.shadow}`;
  const explain =
    rebuild.sync === 'one-way'
      ? {
          explain: {
            kind: 'unconvertible' as const,
            sqlState: '22',
            what: `rows of ${displayName(c.table)} whose ${c.column} cannot be converted to ${c.type} (key, reason)`,
            query: unconvertibleRowsQuery(
              fnOf(c, namesOf(c).check),
              c.table,
              c.key.map((k) => k.name),
            ),
          },
        }
      : {};
  // The SET converts by assignment (as ALTER COLUMN TYPE does); the comparison casts to the new type,
  // so a lossy conversion (numeric → integer rounds) compares converted values, not the originals.
  const common = {
    table: c.table,
    key: c.key,
    set: `${shadow} = (${c.using})`,
    needsWork: `${shadow} is distinct from (${c.using})::${c.type}`,
    ...explain,
    searchPath: rebuild.searchPath,
    // The sync triggers set the shadow on every insert and update.
    writesFilled: true,
  };
  return { fill: { id, ...common }, verify: { id: verifyTaskId(id), ...common } };
}

function foreignKeySql(fk: RebuiltForeignKey): string {
  const { references, clauses } = fk;
  const definition = foreignKeyDefinition({ columns: fk.newColumns, references, referencedColumns: fk.newReferencedColumns, clauses });
  return addNotValid(fk.table, { name: fk.newName, definition });
}

/**
 * Every table a multi-table step of the rebuild locks, in the order it locks them: the referenced
 * tables of the foreign keys first (the order applications take them in: update the account, then log
 * it), then the others, each group by name.
 */
function tablesInLockOrder(rebuild: ColumnRebuild): QualifiedName[] {
  const referenced = uniqueTables(rebuild.foreignKeys.map((fk) => fk.references));
  const others = uniqueTables([...rebuild.columns.map((c) => c.table), ...rebuild.foreignKeys.map((fk) => fk.table)]);
  return [...referenced, ...others.filter((t) => !referenced.some((r) => sameName(r, t)))];
}

/** ACCESS EXCLUSIVE on each table; a rebuilt partitioned table's partitions each alone (partition-locks.ts). */
function exclusively(rebuild: ColumnRebuild, tables: readonly QualifiedName[]): TableLock[] {
  return tables.map((table) => {
    const partitions = rebuild.columns.find((c) => sameName(c.table, table))?.partitions ?? [];
    return { table, mode: 'access exclusive', ...(partitions.length > 0 ? { partitions } : {}) };
  });
}

function swapStatements(rebuild: ColumnRebuild): string[] {
  // Even a one-table swap opens with its lock: the statements after it then never wait long.
  const out = lockTablesFirst(exclusively(rebuild, tablesInLockOrder(rebuild)), 1);
  for (const c of rebuild.columns) {
    out.push(...dropHelpers(rebuild, c));
  }
  for (const fk of rebuild.foreignKeys) out.push(`alter table ${quoteQualified(fk.table)} drop constraint ${quoteIdent(fk.name)}`);
  for (const c of rebuild.columns) {
    for (const index of c.indexes) {
      if (index.constraint !== null)
        out.push(`alter table ${quoteQualified(c.table)} drop constraint ${quoteIdent(index.constraint.name)}`);
    }
  }
  for (const c of rebuild.columns) out.push(...columnSwap(rebuild, c));
  for (const fk of rebuild.foreignKeys)
    out.push(`alter table ${quoteQualified(fk.table)} rename constraint ${quoteIdent(fk.newName)} to ${quoteIdent(fk.name)}`);
  return out;
}

function columnSwap(rebuild: ColumnRebuild, c: RebuiltColumn): string[] {
  const t = quoteQualified(c.table);
  const shadow = quoteIdent(c.shadow);
  const out: string[] = [];
  // On 18 the copy's NOT NULL constraint is added under a name of ours, then given the old one.
  const named =
    c.notNull && c.notNullConstraint !== undefined ? { name: c.notNullConstraint, copy: shadowName(c.notNullConstraint) } : undefined;
  if (c.notNull) {
    out.push(
      named === undefined
        ? `alter table ${t} alter column ${shadow} set not null`
        : `alter table ${t} add constraint ${quoteIdent(named.copy)} not null ${shadow}`,
      `alter table ${t} drop constraint ${quoteIdent(namesOf(c).notNull)}`,
    );
  }
  if (c.ownedSequence !== null) {
    const seq = quoteQualified(c.ownedSequence.name);
    out.push(`alter sequence ${seq} owned by ${t}.${shadow}`);
    if (c.ownedSequence.grow !== null) out.push(`alter sequence ${seq} as ${c.ownedSequence.grow}`);
  }
  if (c.default !== null) out.push(`alter table ${t} alter column ${shadow} set default (${c.default})`);
  const identitySequence =
    c.identity === null ? null : { schema: c.identity.sequence.name.schema, name: shadowName(c.identity.sequence.name.name) };
  if (c.identity !== null && identitySequence !== null) {
    // The identity is re-created on the shadow, continuing from the old sequence's next value (read
    // under the lock, so no insert can take a value in between).
    const old = quoteQualified(c.identity.sequence.name);
    const increment = c.identity.sequence.increment;
    const ddl = `alter table ${t} alter column ${shadow} add generated ${c.identity.kind} as identity (sequence name ${quoteQualified(identitySequence)} increment by ${increment} start with `;
    const body = `\ndeclare next bigint;\nbegin\n  select case when is_called then last_value + ${increment} else last_value end into next from ${old};\n  execute ${dollarQuote(ddl)} || next || ')';\nend\n`;
    out.push(`do ${dollarQuote(body)}`);
  }
  out.push(`alter table ${t} drop column ${quoteIdent(c.column)}`);
  if (rebuild.renameShadow) out.push(`alter table ${t} rename column ${shadow} to ${quoteIdent(c.column)}`);
  if (named !== undefined) out.push(`alter table ${t} rename constraint ${quoteIdent(named.copy)} to ${quoteIdent(named.name)}`);
  if (c.identity !== null && identitySequence !== null) {
    out.push(`alter sequence ${quoteQualified(identitySequence)} rename to ${quoteIdent(c.identity.sequence.name.name)}`);
  }
  for (const index of c.indexes) {
    const constraint = index.constraint;
    if (constraint === null) {
      out.push(`alter index ${quoteQualified({ schema: c.table.schema, name: index.newName })} rename to ${quoteIdent(index.name)}`);
      continue;
    }
    const deferral = constraint.deferrable ? ` deferrable initially ${constraint.deferred ? 'deferred' : 'immediate'}` : '';
    out.push(
      `alter table ${t} add constraint ${quoteIdent(constraint.name)} ${constraint.type === 'p' ? 'primary key' : 'unique'} using index ${quoteIdent(index.newName)}${deferral}`,
    );
    if (constraint.name !== index.name)
      out.push(`alter index ${quoteQualified({ schema: c.table.schema, name: constraint.name })} rename to ${quoteIdent(index.name)}`);
  }
  for (const check of c.checks) out.push(`alter table ${t} rename constraint ${quoteIdent(check.newName)} to ${quoteIdent(check.name)}`);
  return out;
}

function uniqueTables(tables: readonly QualifiedName[]): QualifiedName[] {
  const seen = new Map<string, QualifiedName>();
  for (const table of tables) seen.set(quoteQualified(table), table);
  return [...seen.values()].sort((a, b) => quoteQualified(a).localeCompare(quoteQualified(b)));
}

/** Pure planning: the exact SQL of every phase. */
export function planColumnRebuild(rebuild: ColumnRebuild): OperationPlan {
  const tasks = rebuild.columns.map((c) => backfillTasks(rebuild, c));
  const validations: PlannedStep[] = [];
  for (const c of rebuild.columns) {
    for (const check of c.checks.filter((k) => k.validated)) {
      validations.push({
        description: `validate check ${check.newName} on ${c.table.name}`,
        statements: [validateConstraint(c.table, check.newName)],
        locks: `SHARE UPDATE EXCLUSIVE on ${c.table.name} for the scan: reads and writes continue`,
        reversible: true,
      });
    }
    if (c.notNull) {
      validations.push({
        description: `validate check (${c.shadow} is not null) on ${c.table.name}`,
        statements: [validateConstraint(c.table, namesOf(c).notNull)],
        locks: `SHARE UPDATE EXCLUSIVE on ${c.table.name} for the scan: reads and writes continue`,
        reversible: true,
      });
    }
  }
  const foreignKeys = rebuild.foreignKeys;
  const contract: PlannedStep[] = [
    ...rebuild.columns.flatMap(indexCopySteps),
    ...(foreignKeys.length === 0
      ? []
      : [
          {
            description: `add foreign keys ${foreignKeys.map((fk) => fk.newName).join(', ')} on the new columns, not valid`,
            statements: [
              // DROP CONSTRAINT IF EXISTS takes ACCESS EXCLUSIVE on the referencing table even when there is nothing to drop.
              ...lockTablesFirst([
                ...foreignKeys.map((fk): TableLock => ({ table: fk.references, mode: 'share row exclusive' })),
                ...foreignKeys.map((fk): TableLock => ({ table: fk.table, mode: 'access exclusive' })),
              ]),
              ...foreignKeys.flatMap((fk) => [
                `alter table ${quoteQualified(fk.table)} drop constraint if exists ${quoteIdent(fk.newName)}`,
                foreignKeySql(fk),
              ]),
            ],
            locks:
              'SHARE ROW EXCLUSIVE on the referenced tables and ACCESS EXCLUSIVE on the referencing ones, for milliseconds (no scan): writes wait, and so do reads of the referencing tables',
            reversible: true,
          },
        ]),
    ...foreignKeys
      .filter((fk) => fk.validated)
      .map((fk) => ({
        description: `validate foreign key ${fk.newName} on ${fk.table.name}`,
        statements: [
          ...lockTablesFirst([
            { table: fk.table, mode: 'share update exclusive' },
            { table: fk.references, mode: 'row share' },
          ]),
          validateConstraint(fk.table, fk.newName),
        ],
        locks: `SHARE UPDATE EXCLUSIVE on ${fk.table.name} and ROW SHARE on ${fk.references.name} during the scan: reads and writes continue`,
        reversible: true,
      })),
    ...validations,
    {
      description: `swap in ${rebuild.columns.map((c) => `${c.table.name}.${c.shadow}`).join(', ')} and drop the sync triggers`,
      statements: swapStatements(rebuild),
      locks: `ACCESS EXCLUSIVE on ${uniqueTables(rebuild.columns.map((c) => c.table))
        .map((t) => t.name)
        .join(
          ', ',
        )}${foreignKeys.length > 0 ? ' and the tables of their foreign keys' : ''}, brief: catalog only (NOT NULL is proven by the validated check, constraints attach to built indexes)`,
    },
  ];
  const rollback: PlannedStep[] = [
    {
      description: `drop ${rebuild.columns.map((c) => `${c.table.name}.${c.shadow}`).join(', ')}, their triggers${foreignKeys.length > 0 ? ' and new foreign keys' : ''}`,
      statements: [
        ...lockTablesFirst(exclusively(rebuild, tablesInLockOrder(rebuild))),
        ...foreignKeys.map((fk) => `alter table ${quoteQualified(fk.table)} drop constraint if exists ${quoteIdent(fk.newName)}`),
        ...rebuild.columns.flatMap((c) => [
          ...dropHelpers(rebuild, c),
          `alter table ${quoteQualified(c.table)} drop column if exists ${quoteIdent(c.shadow)}`,
        ]),
      ],
      locks: 'ACCESS EXCLUSIVE on each table, brief: catalog only (the shadow indexes go with their column)',
    },
  ];
  return {
    tables: uniqueTables([...rebuild.columns.map((c) => c.table), ...foreignKeys.flatMap((fk) => [fk.table, fk.references])]),
    expand: rebuild.columns.flatMap((c) => expandSteps(rebuild, c)),
    backfill: [...tasks.map((t) => t.fill), ...tasks.map((t) => t.verify)],
    contract,
    rollback,
  };
}
