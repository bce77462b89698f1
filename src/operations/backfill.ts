// backfill: a data migration. Rewrites existing rows in place — `set: {column: expression over the row}`
// for the rows that need it — in throttled, resumable, parallel batches (the backfill engine: keyset
// over the table's key, or ctid page ranges on a keyless table), then lets `complete` finish only once
// no row needs work any more and an optional `verify` SELECT returns no rows.
//
// No trigger. Unlike add-column or set-not-null, nothing keeps rows written during the run consistent:
// the application must already write the new values (deploy it first). A row it writes with an old
// value after the batches passed is caught by complete, which refuses while any row still needs work.
//
// Which rows need work (`needsWork`, the batches' filter and complete's check):
//   - without `where`: rows where some set column differs from its expression,
//       "c1" is distinct from (e1)::type1 or "c2" is distinct from (e2)::type2
//     (cast to the column's type, so an expression that rounds or pads on assignment compares equal
//     after the update). A row the batch updated then no longer needs work. That only holds when every
//     expression is IMMUTABLE (PostgreSQL's own verdict: could it index the expression?). A volatile or
//     stable one (now(), random(), nextval(), a subquery) may differ again the next time it is evaluated,
//     so complete would never succeed: pre-flight refuses it and asks for a `where`. A NON-IDEMPOTENT
//     expression (`n + 1`) differs forever too and cannot be detected: it needs a `where`.
//   - with `where`: the where, which must stop matching a row once it is updated (it is what says which
//     rows need work, e.g. `status in (<old values>)`), ANDed with the distinct test when every
//     expression is immutable. Adding it is then safe: where it is false the UPDATE would write the same
//     values (it only skips no-op rewrites), and for a non-idempotent expression it is always true, so
//     harmless. It is what lets a where that does not exclude updated rows (`resolved_at is not null`)
//     finish. With a non-immutable expression it is left out: evaluating it once more per row would draw
//     extra sequence values or compare against a different now().
//     The distinct test runs inside `case when (where) then … else false end`: PostgreSQL does not
//     promise to evaluate AND operands in order, and a where often guards its expression (a cast valid
//     only on the rows it selects). The where also stands alone in front, so an index on it can serve
//     complete's check.
// A key column of the backfill cannot be set: the keyset would see moved rows twice.
//
// verify (optional): one read-only SELECT, checked in pre-flight (parsed and described as a subquery,
// never run). In contract a locked step runs it inside a DO block that raises SQLSTATE OLV01 when it
// returns a row; the failure is shown with up to five of those rows (exit 1, nothing switched), and
// complete can be retried once the data is fixed. The step takes only ACCESS SHARE on what it reads.
//
// Rollback is empty: a data migration cannot be undone by online (the old values are not kept).
import { findColumn, type KeyColumn, type TableInfo } from '../catalog/describe-table.js';
import type { Sql } from '../db/connect.js';
import { refusalOnEmptyCopies } from '../preflight/constraint-probe.js';
import { checkRowExpression } from '../preflight/expression-probe.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { resolutionSchemas } from '../db/search-path.js';
import { checkRowPredicate, checkVerifyQuery, verifyAlias } from '../preflight/verify-query-probe.js';
import { PreflightError } from '../errors/index.js';
import { z } from 'zod';
import { identifier, sqlExpression } from '../sql-text/identifier.js';
import { dollarQuote } from '../sql-text/dollar-quote.js';
import type { Operation } from './operation.js';
import { schemaFlag, tableFlag, whereFlag } from './shared-flags.js';
import type { OperationPlan, PlannedStep } from '../plan/plan.js';
import { backfillKey, requireNotPartitionKey, requireTable } from '../preflight/table-checks.js';

export const backfillSpec = z
  .object({
    op: z.literal('backfill'),
    schema: identifier.default('public').describe('schema of the table'),
    table: identifier.describe('table whose rows are updated'),
    set: z
      .record(identifier, sqlExpression)
      .refine((set) => Object.keys(set).length > 0, 'must set at least one column')
      .describe('column: SQL expression over the row giving its new value'),
    where: sqlExpression
      .optional()
      .describe('which rows need work (SQL over the row); default: rows where some set column differs from its expression'),
    verify: sqlExpression
      .optional()
      .describe('a SELECT that must return no rows before the migration can complete, e.g. select id from tickets where status not in (…)'),
  })
  .strict();
export type BackfillSpec = z.infer<typeof backfillSpec>;

/** The SQLSTATE the verify step raises when the verify query returns rows. */
export const verifySqlState = 'OLV01';

/** What pre-flight learned from the catalog, all that planning needs. */
export interface BackfillFacts {
  /** The key the batches page over; empty: ctid page ranges. */
  readonly key: readonly KeyColumn[];
  /** The type of each set column (`format_type`), keyed by column name. */
  readonly types: Readonly<Record<string, string>>;
  /** Every set expression is IMMUTABLE: "the row differs from it" is a stable question. */
  readonly immutable: boolean;
  /** The schemas pre-flight resolved the expressions with: the batches and complete's check run with them. */
  readonly searchPath: readonly string[];
}

function whereRequired(table: string): PreflightError {
  return new PreflightError(
    'WHERE_REQUIRED',
    `the backfill of ${table} needs a where that says which rows need work: a set expression is not immutable, so "the row differs from the expression" can stay true after the row is updated and complete would never succeed`,
  );
}

/** The migration's default name and the task id share the column list. */
function columnList(spec: BackfillSpec): string {
  return Object.keys(spec.set).join(',');
}

/** The needsWork predicate (see the header). */
export function backfillNeedsWork(spec: BackfillSpec, facts: BackfillFacts): string {
  const differs = Object.entries(spec.set)
    .map(([column, expression]) => {
      const type = facts.types[column];
      if (type === undefined) throw new Error(`no type for set column ${column}`);
      return `${quoteIdent(column)} is distinct from (${expression})::${type}`;
    })
    .join(' or ');
  if (spec.where === undefined) {
    if (!facts.immutable) throw whereRequired(displayName({ schema: spec.schema, name: spec.table }));
    return differs;
  }
  if (!facts.immutable) return `(${spec.where})`;
  return `(${spec.where}) and case when (${spec.where}) then ${differs} else false end`;
}

function verifyStep(verify: string): PlannedStep {
  const body = [
    'begin',
    `  if exists (${verify}) then`,
    `    raise exception 'the verify query returned rows' using errcode = '${verifySqlState}';`,
    '  end if;',
    'end',
  ].join('\n');
  return {
    description: 'verify: the verify query returns no rows',
    statements: [`do ${dollarQuote(`\n${body}\n`)}`],
    locks: 'ACCESS SHARE on the tables the query reads, while it runs: reads and writes continue',
    reversible: true,
    explain: {
      kind: 'unverified',
      sqlState: verifySqlState,
      what: 'rows the verify query returned',
      query: `select * from (${verify}) as ${verifyAlias} limit 5`,
    },
  };
}

/** Pure planning: the exact SQL of every phase. */
export function planBackfill(spec: BackfillSpec, facts: BackfillFacts): OperationPlan {
  const table: QualifiedName = { schema: spec.schema, name: spec.table };
  const set = Object.entries(spec.set)
    .map(([column, expression]) => `${quoteIdent(column)} = (${expression})`)
    .join(', ');
  const shown = displayName(table);
  return {
    expand: [],
    backfill: [
      {
        id: `${spec.schema}.${spec.table}.set(${columnList(spec)})`,
        table,
        key: facts.key,
        set,
        needsWork: backfillNeedsWork(spec, facts),
        searchPath: facts.searchPath,
      },
    ],
    contract: spec.verify === undefined ? [] : [verifyStep(spec.verify)],
    rollback: [],
    warnings: [
      `backfill of ${shown}: no trigger keeps rows written during the run consistent; the application must already write the new values`,
      `backfill of ${shown}: rollback does not restore the old values`,
    ],
  };
}

/** Every set column exists, can be written, and is not part of the key the batches page over. */
function requireWritableColumns(table: TableInfo, spec: BackfillSpec, key: readonly KeyColumn[]): Record<string, string> {
  const types: Record<string, string> = {};
  for (const name of Object.keys(spec.set)) {
    const column = findColumn(table, name);
    const where = `${name} of ${displayName(table)}`;
    if (column === undefined) throw new PreflightError('COLUMN_NOT_FOUND', `column ${name} does not exist on ${displayName(table)}`);
    if (column.generated !== '') throw new PreflightError('GENERATED_COLUMN', `column ${where} is generated; it cannot be set`);
    if (column.identity === 'a')
      throw new PreflightError('IDENTITY_COLUMN', `column ${where} is GENERATED ALWAYS AS IDENTITY; it cannot be set`);
    if (key.some((k) => k.name === name))
      throw new PreflightError('KEY_COLUMN', `column ${where} is part of the key the backfill pages over; it cannot be set`);
    types[name] = column.type;
  }
  return types;
}

/**
 * PostgreSQL's verdict on whether every set expression is IMMUTABLE: an index on an empty temporary
 * copy of the table (named like it, so `tickets.status` still resolves) accepts only immutable ones.
 */
async function expressionsImmutable(sql: Sql, table: TableInfo, spec: BackfillSpec): Promise<boolean> {
  const keys = Object.values(spec.set).map((e) => `((${e}) is null)`);
  const refusal = await refusalOnEmptyCopies(sql, [
    `create temporary table ${quoteIdent(table.name)} (like ${quoteQualified(table)}) on commit drop`,
    `create index on pg_temp.${quoteIdent(table.name)} (${keys.join(', ')})`,
  ]);
  return refusal === undefined;
}

export const backfill = {
  op: 'backfill',
  schema: backfillSpec,
  shorthand: [
    schemaFlag,
    tableFlag,
    { flag: 'set', field: ['set'], value: 'assignments', summary: 'column=SQL expression over the row; repeatable (backfill).' },
    whereFlag,
    { flag: 'verify', field: ['verify'], value: 'text', summary: 'A SELECT that must return no rows before complete (backfill).' },
  ],
  defaultName: (spec) => `backfill-${spec.table}-${Object.keys(spec.set).join('-')}`,
  tables: (spec) => [{ schema: spec.schema, name: spec.table }],
  async prepare(ctx, spec) {
    const table = await requireTable(ctx.sql, { schema: spec.schema, name: spec.table });
    const key = await backfillKey(ctx.sql, table, ctx.serverVersionNum);
    await requireNotPartitionKey(ctx.sql, table, Object.keys(spec.set), 'set');
    const types = requireWritableColumns(table, spec, key);
    for (const [column, expression] of Object.entries(spec.set)) {
      await checkRowExpression(ctx.sql, `set ${column}`, expression, table, types[column] ?? 'text');
    }
    if (spec.where !== undefined) await checkRowPredicate(ctx.sql, 'where', spec.where, table);
    if (spec.verify !== undefined) await checkVerifyQuery(ctx.sql, spec.verify);
    const immutable = await expressionsImmutable(ctx.sql, table, spec);
    return planBackfill(spec, { key, types, immutable, searchPath: await resolutionSchemas(ctx.sql) });
  },
} satisfies Operation<BackfillSpec>;
