// create-table: a new table with its columns and constraints, in one short step.
//
// Expand is ONE locked step: `create table t (columns…, primary key, unique, checks, foreign keys)`.
// Nobody can see the new table until the step commits, so its own ACCESS EXCLUSIVE lock stops no
// one. Each foreign key to an existing table installs triggers on the referenced table, which takes
// SHARE ROW EXCLUSIVE on it for milliseconds: writes to it wait that long, reads do not; like every
// locked step it runs under lock_timeout with retries, so it never queues traffic behind a long
// transaction. With two or more referenced tables the step opens with a LOCK TABLE of each, in the
// order the spec names them, so only the first waits the full lock_timeout (lock-tables-first.ts).
// There is nothing to backfill (the table is empty) and nothing to contract.
//
// Constraints keep PostgreSQL's default names (t_pkey, t_a_b_key, t_x_check, t_col_fkey) unless the
// spec names a check or a foreign key: a table created by online looks like one created by hand.
//
// Rollback is `drop table if exists t` (ACCESS EXCLUSIVE on t, and on each referenced table for
// milliseconds to drop the foreign-key triggers; those are locked first, by name, and t after them:
// it may be gone already, and a LOCK TABLE of it would fail). A rollback after traffic started writing to the new
// table drops those rows with it: that is the user's call to make. There is no CASCADE: a view or a
// foreign key someone has since built on the table stops the rollback instead of vanishing with it.
//
// A foreign key may reference the new table itself. The referenced tables count as tables of the
// migration (as in add-foreign-key), so no other migration changes their keys meanwhile.
//
// Pre-flight (changing nothing): the name is free; column names are unique; key, unique and foreign
// key columns are among the columns; every type is one type name and resolves, defaults and checks
// are each exactly one expression (src/sql-grammar) and defaults compile; each referenced table exists
// and the referenced columns are exactly its primary key or a unique constraint. Last, PostgreSQL's own verdict, in a transaction
// that is always rolled back: the exact CREATE TABLE without its foreign keys (types, defaults,
// checks, identity, schema and privileges), then the foreign keys added to an empty temporary copy of
// it that references empty temporary copies of the referenced tables. The copies keep pre-flight
// from locking the referenced tables against writes (it takes ACCESS SHARE only); a refusal is
// shown with PostgreSQL's message, the copies' names replaced by the real ones.
// A warning names each foreign key whose lookups no index of the new table serves (every delete or
// key update on the referenced table would scan the new table).
import { describeTable } from '../catalog/describe-table.js';
import type { Sql } from '../db/connect.js';
import { readIndexKeys, refusalOnEmptyCopies, type IndexKey } from '../preflight/constraint-probe.js';
import { checkExpressionShape, checkRowExpression, resolveType } from '../preflight/expression-probe.js';
import { relationExists } from '../catalog/read-index.js';
import type { LockMode } from '../db/lock-modes.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { PreflightError } from '../errors/index.js';
import { findReferencedKey, servesLookups } from './add-foreign-key.js';
import { requireColumns } from '../preflight/constraint-checks.js';
import { lockTablesFirst } from '../ddl/lock-tables-first.js';
import { probeNames } from '../ddl/object-names.js';
import type { Operation } from './operation.js';
import { columnsFlag, schemaFlag, tableFlag } from './shared-flags.js';
import type { OperationPlan } from '../plan/plan.js';
import { requireTable } from '../preflight/table-checks.js';
import { z } from 'zod';
import { identifier, sqlExpression } from '../sql-text/identifier.js';
import { referentialActions } from './referential-actions.js';

export const tableColumnSpec = z
  .object({
    name: identifier.describe('column name'),
    type: z.string().trim().min(1, 'must not be empty').describe('SQL type, e.g. bigint, text, numeric(10,2)'),
    nullable: z.boolean().default(true).describe('false makes the column NOT NULL'),
    default: sqlExpression.optional().describe('SQL default expression'),
    identity: z.enum(['always', 'by default']).optional().describe('GENERATED … AS IDENTITY'),
  })
  .strict();
export type TableColumnSpec = z.infer<typeof tableColumnSpec>;

export const createTableSpec = z
  .object({
    op: z.literal('create-table'),
    schema: identifier.default('public').describe('schema of the new table'),
    table: identifier.describe('name of the new table'),
    columns: z.array(tableColumnSpec).min(1, 'needs at least one column').describe('the columns, in order'),
    primaryKey: z.array(identifier).min(1, 'needs at least one column').optional().describe('primary key columns'),
    unique: z
      .array(z.array(identifier).min(1, 'needs at least one column'))
      .optional()
      .describe('unique constraints, each a list of columns'),
    checks: z
      .array(z.object({ name: identifier.optional(), check: sqlExpression.describe('boolean SQL expression over the row') }).strict())
      .optional()
      .describe('CHECK constraints'),
    foreignKeys: z
      .array(
        z
          .object({
            name: identifier.optional(),
            columns: z.array(identifier).min(1, 'needs at least one column'),
            references: z
              .object({
                schema: identifier.default('public'),
                table: identifier,
                columns: z.array(identifier).min(1, 'needs at least one column'),
              })
              .strict(),
            onDelete: z.enum(referentialActions).optional(),
            onUpdate: z.enum(referentialActions).optional(),
          })
          .strict(),
      )
      .optional()
      .describe('foreign keys to existing tables'),
  })
  .strict();
export type CreateTableSpec = z.infer<typeof createTableSpec>;

type ForeignKeySpec = NonNullable<CreateTableSpec['foreignKeys']>[number];

const list = (columns: readonly string[]): string => columns.map(quoteIdent).join(', ');

const newTable = (spec: CreateTableSpec): QualifiedName => ({ schema: spec.schema, name: spec.table });
const referencedTable = (fk: ForeignKeySpec): QualifiedName => ({ schema: fk.references.schema, name: fk.references.table });
const isSelfReference = (spec: CreateTableSpec, fk: ForeignKeySpec): boolean =>
  fk.references.schema === spec.schema && fk.references.table === spec.table;

/** The existing tables the foreign keys reference, each once (a self-reference is not one). */
export function referencedTables(spec: CreateTableSpec): QualifiedName[] {
  const seen = new Map<string, QualifiedName>();
  for (const fk of spec.foreignKeys ?? []) {
    if (!isSelfReference(spec, fk)) seen.set(displayName(referencedTable(fk)), referencedTable(fk));
  }
  return [...seen.values()];
}

function columnDefinition(column: TableColumnSpec): string {
  const identity = column.identity === undefined ? '' : ` generated ${column.identity} as identity`;
  const notNull = column.nullable ? '' : ' not null';
  const fallback = column.default === undefined ? '' : ` default (${column.default})`;
  return `${quoteIdent(column.name)} ${column.type}${identity}${notNull}${fallback}`;
}

/** `[constraint "n"] foreign key (…) references <referenced> (…) [on delete …] [on update …]`. */
function foreignKeyClause(fk: ForeignKeySpec, referenced: string): string {
  const named = fk.name === undefined ? '' : `constraint ${quoteIdent(fk.name)} `;
  const onDelete = fk.onDelete === undefined ? '' : ` on delete ${fk.onDelete}`;
  const onUpdate = fk.onUpdate === undefined ? '' : ` on update ${fk.onUpdate}`;
  return `${named}foreign key (${list(fk.columns)}) references ${referenced} (${list(fk.references.columns)})${onDelete}${onUpdate}`;
}

/** The CREATE TABLE statement; `withForeignKeys: false` leaves them out (pre-flight adds them to a copy). */
export function createTableStatement(spec: CreateTableSpec, withForeignKeys = true): string {
  const elements = [
    ...spec.columns.map(columnDefinition),
    ...(spec.primaryKey === undefined ? [] : [`primary key (${list(spec.primaryKey)})`]),
    ...(spec.unique ?? []).map((columns) => `unique (${list(columns)})`),
    ...(spec.checks ?? []).map((c) => `${c.name === undefined ? '' : `constraint ${quoteIdent(c.name)} `}check (${c.check})`),
    ...(withForeignKeys ? (spec.foreignKeys ?? []).map((fk) => foreignKeyClause(fk, quoteQualified(referencedTable(fk)))) : []),
  ];
  return `create table ${quoteQualified(newTable(spec))} (\n  ${elements.join(',\n  ')}\n)`;
}

/** The indexes the new table will have: its primary key's and its unique constraints'. */
function keysOf(spec: CreateTableSpec): IndexKey[] {
  const key = (columns: readonly string[], primary: boolean): IndexKey => ({
    name: primary ? 'primary key' : 'unique',
    columns,
    unique: true,
    primary,
    usable: true,
  });
  return [
    ...(spec.primaryKey === undefined ? [] : [key(spec.primaryKey, true)]),
    ...(spec.unique ?? []).map((columns) => key(columns, false)),
  ];
}

const counted = (n: number, what: string): string[] => (n === 0 ? [] : [`${n} ${what}${n === 1 ? '' : 's'}`]);

/** Pure planning: the exact SQL of every phase, and a warning per foreign key no index serves. */
export function planCreateTable(spec: CreateTableSpec): OperationPlan {
  const t = quoteQualified(newTable(spec));
  const shown = displayName(newTable(spec));
  const foreignKeys = spec.foreignKeys ?? [];
  const referenced = referencedTables(spec);
  const others = referenced.map(displayName);
  const lockReferenced = (mode: LockMode, atLeast: number): string[] =>
    lockTablesFirst(
      referenced.map((table) => ({ table, mode })),
      atLeast,
    );
  const parts = [
    `${spec.columns.length} column${spec.columns.length === 1 ? '' : 's'}`,
    ...(spec.primaryKey === undefined ? [] : ['primary key']),
    ...counted(spec.unique?.length ?? 0, 'unique constraint'),
    ...counted(spec.checks?.length ?? 0, 'check'),
    ...counted(foreignKeys.length, 'foreign key'),
  ];
  const keys = keysOf(spec);
  const warnings = foreignKeys
    .filter((fk) => !servesLookups(keys, fk.columns))
    .map(
      (fk) =>
        `no index on ${shown} starts with (${fk.columns.join(', ')}): every delete or key update on ${displayName(referencedTable(fk))} ` +
        `will scan ${shown} for matching rows; once the table exists, add a create-index on (${fk.columns.join(', ')}) (it builds in no time while the table is small)`,
    );
  return {
    expand: [
      {
        description: `create table ${spec.table} (${parts.join(', ')})`,
        statements: [...lockReferenced('share row exclusive', 2), createTableStatement(spec)],
        locks:
          others.length === 0
            ? `ACCESS EXCLUSIVE on the new table only, which no one else can see before the step commits: no wait for traffic`
            : `SHARE ROW EXCLUSIVE on ${others.join(', ')} for milliseconds (foreign-key triggers): writes to ${others.length === 1 ? 'it' : 'them'} wait that long, reads continue; the new table is invisible until commit`,
      },
    ],
    backfill: [],
    contract: [],
    rollback: [
      {
        description: `drop table ${spec.table} (with any rows written to it since start)`,
        statements: [...lockReferenced('access exclusive', 1), `drop table if exists ${t}`],
        locks: `ACCESS EXCLUSIVE on ${spec.table}${others.length === 0 ? '' : ` and on ${others.join(', ')} (dropping the foreign-key triggers)`} for milliseconds`,
      },
    ],
    warnings,
  };
}

/** Every listed column is one of the new table's columns. */
function requireListed(spec: CreateTableSpec, role: string, columns: readonly string[]): void {
  const names = new Set(spec.columns.map((c) => c.name));
  const missing = columns.filter((c) => !names.has(c));
  if (missing.length > 0) {
    throw new PreflightError(
      'COLUMN_NOT_FOUND',
      `${role} column${missing.length === 1 ? '' : 's'} ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not among the columns of ${displayName(newTable(spec))}`,
    );
  }
}

function requireSpecConsistent(spec: CreateTableSpec): void {
  const names = spec.columns.map((c) => c.name);
  const twice = names.find((c, i) => names.indexOf(c) !== i);
  if (twice !== undefined) throw new PreflightError('DUPLICATE_COLUMN', `column ${twice} is listed twice in columns`);
  requireListed(spec, 'primary key', spec.primaryKey ?? []);
  for (const columns of spec.unique ?? []) requireListed(spec, 'unique', columns);
  for (const fk of spec.foreignKeys ?? []) {
    requireListed(spec, 'foreign key', fk.columns);
    if (isSelfReference(spec, fk)) requireListed(spec, 'referenced', fk.references.columns);
  }
}

async function requireNameFree(sql: Sql, spec: CreateTableSpec): Promise<void> {
  const table = newTable(spec);
  if (!(await relationExists(sql, table.schema, table.name))) return;
  const what =
    (await describeTable(sql, table)) === undefined
      ? `a relation named ${displayName(table)} (a view, sequence or index)`
      : `table ${displayName(table)}`;
  throw new PreflightError(
    'TABLE_EXISTS',
    `${what} already exists; create-table only creates new tables (if this database was built before it adopted online, \`online stamp\` records the specs its schema already has as applied)`,
  );
}

async function requireReferencedKeys(sql: Sql, spec: CreateTableSpec): Promise<void> {
  for (const fk of spec.foreignKeys ?? []) {
    if (isSelfReference(spec, fk)) continue;
    const referenced = await requireTable(sql, referencedTable(fk));
    requireColumns(referenced, fk.references.columns);
    if (findReferencedKey(await readIndexKeys(sql, referenced), fk.references.columns) === undefined) {
      throw new PreflightError(
        'NO_MATCHING_KEY',
        `(${fk.references.columns.join(', ')}) is not the primary key or a unique constraint of ${displayName(referenced)}; a foreign key must reference exactly those columns`,
      );
    }
  }
}

const probeTable = probeNames.newTableCopy;
const probeReference = (i: number): string => `${probeNames.referenceCopyPrefix}${i}`;

/** The statements of PostgreSQL's verdict: the exact table without foreign keys, then those on empty copies. */
export function verdictStatements(spec: CreateTableSpec): string[] {
  const foreignKeys = spec.foreignKeys ?? [];
  if (foreignKeys.length === 0) return [createTableStatement(spec, false)];
  const references = referencedTables(spec);
  const copyOf = (fk: ForeignKeySpec): string =>
    isSelfReference(spec, fk)
      ? probeTable
      : probeReference(references.findIndex((r) => displayName(r) === displayName(referencedTable(fk))));
  return [
    createTableStatement(spec, false),
    `create temporary table ${probeTable} (like ${quoteQualified(newTable(spec))} including all) on commit drop`,
    ...references.map((r, i) => `create temporary table ${probeReference(i)} (like ${quoteQualified(r)} including indexes) on commit drop`),
    ...foreignKeys.map((fk) => `alter table ${probeTable} add ${foreignKeyClause(fk, copyOf(fk))}`),
  ];
}

/** PostgreSQL's message about a copy, naming the real table (and its constraints, `<table>_…`) instead. */
function withRealNames(spec: CreateTableSpec, message: string): string {
  const references = referencedTables(spec);
  return message
    .replace(new RegExp(`${probeTable}(?=_)`, 'g'), spec.table)
    .replaceAll(probeTable, displayName(newTable(spec)))
    .replace(new RegExp(`${probeNames.referenceCopyPrefix}(\\d+)`, 'g'), (copy, i: string) => {
      const real = references[Number(i)];
      return real === undefined ? copy : displayName(real);
    });
}

export const createTable = {
  op: 'create-table',
  schema: createTableSpec,
  shorthand: [
    schemaFlag,
    tableFlag,
    { ...columnsFlag, value: 'column-definitions' },
    { flag: 'primary-key', field: ['primaryKey'], value: 'comma-list', summary: 'Comma-separated primary key columns (create-table).' },
  ],
  defaultName: (spec) => `create-table-${spec.table}`,
  // The referenced tables too, like add-foreign-key: another migration's rollback on them (dropping
  // the key this table references) must not interleave with ours.
  tables: (spec) => [newTable(spec), ...referencedTables(spec)],
  async prepare({ sql }, spec) {
    requireSpecConsistent(spec);
    await requireNameFree(sql, spec);
    for (const column of spec.columns) {
      await resolveType(sql, column.type, `${column.name} type`);
      if (column.default !== undefined) await checkRowExpression(sql, `${column.name} default`, column.default, undefined, column.type);
    }
    for (const [i, check] of (spec.checks ?? []).entries()) await checkExpressionShape(sql, `checks[${i}]`, check.check);
    await requireReferencedKeys(sql, spec);
    const refusal = await refusalOnEmptyCopies(sql, verdictStatements(spec));
    if (refusal !== undefined) throw new PreflightError('TABLE_REFUSED', `PostgreSQL refuses the table: ${withRealNames(spec, refusal)}`);
    return planCreateTable(spec);
  },
} satisfies Operation<CreateTableSpec>;
