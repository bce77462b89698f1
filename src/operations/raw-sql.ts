// sql: raw SQL, placed explicitly in a phase, for what no operation covers (a comment, a lookup row,
// a grant, a small table of reference data…).
//
// `phase: expand` runs the statements at `start`, `phase: contract` at `complete`; either way as ONE
// locked step: every statement, in order, in one transaction under lock_timeout with retries, the
// step's record committed with them. So the SQL never leaves traffic queued behind a long transaction
// for longer than lock_timeout, and it is all or nothing. An expand-phase `sql` may carry `rollback`
// SQL, run as one locked step by `online rollback` (the spec refuses it on contract, which cannot be
// rolled back). Rollback steps also run after an expand that failed or never reached this step, so
// rollback SQL must succeed whether or not the expand SQL ran: write it with IF EXISTS.
//
// online cannot know what arbitrary SQL locks or how long it runs: every plan says so in a warning
// (a statement that scans or rewrites a large table holds its lock for the whole scan), and says that
// an expand without rollback SQL cannot be undone.
//
// Pre-flight, per statement (changing nothing):
//   - exactly one statement by PostgreSQL's own grammar (src/sql-grammar; one trailing `;` is dropped),
//     and no comments;
//   - the rules of raw-sql-refusals.ts, checked on its parse tree: nothing that cannot run inside a
//     transaction block (CREATE/DROP INDEX CONCURRENTLY: use create-index/drop-index; REINDEX
//     CONCURRENTLY, VACUUM, CREATE DATABASE, ALTER SYSTEM…), no transaction control, nothing that
//     changes the session beyond the step (session-level SET/RESET, set_config(…, false), DISCARD) and
//     no lock_timeout of its own;
//   - PostgreSQL parses it, and only parses it: the extended protocol's Parse/Describe in a read-only
//     transaction that is rolled back, never waiting for a lock. Only a syntax error refuses: a missing
//     table or column may be created by an earlier statement, or by this migration's expand before a
//     contract statement.
// Decision: pre-flight never EXECUTES user SQL, not even in a rolled-back transaction. A data-changing
// statement would run in full first (scanning, rewriting, locking rows and tables, firing triggers,
// advancing sequences, which no rollback undoes), so a "check" could cost as much as the migration
// and block the same traffic. Parsing gives the syntax check without any of that.
import { errorMessage, sqlState, type Sql } from '../db/connect.js';
import { inRolledBackTransaction } from '../db/rolled-back-transaction.js';
import { requireStandardConformingStrings } from '../preflight/standard-strings.js';
import { parseOneStatement } from '../sql-grammar/one-statement.js';
import { PreflightError } from '../errors/index.js';
import { z } from 'zod';
import { identifier, sqlExpression } from '../sql-text/identifier.js';
import type { Operation } from './operation.js';
import type { OperationPlan, PlannedStep } from '../plan/plan.js';
import { stepRefusal } from '../preflight/raw-sql-refusals.js';

export const sqlSpec = z
  .object({
    op: z.literal('sql'),
    phase: z.enum(['expand', 'contract']).describe('when the SQL runs: expand (start) or contract (complete); there is no default'),
    sql: z
      .union([sqlExpression, z.array(sqlExpression).min(1, 'needs at least one statement')])
      .describe('one SQL statement, or a list run in order in one transaction under lock_timeout'),
    rollback: z
      .union([sqlExpression, z.array(sqlExpression).min(1, 'needs at least one statement')])
      .optional()
      .describe('SQL that undoes an expand-phase sql on `online rollback`'),
    tables: z
      .array(z.object({ schema: identifier.default('public'), table: identifier }).strict())
      .default([])
      .describe('tables the SQL changes, so no other migration runs on them at the same time'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.phase === 'contract' && spec.rollback !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['rollback'],
        message: 'contract cannot be rolled back; rollback SQL belongs to a phase: expand sql',
      });
    }
  });
export type SqlSpec = z.infer<typeof sqlSpec>;

/** The statements as a list, trimmed, each without one trailing `;`. */
export function statementsOf(sql: string | readonly string[]): string[] {
  return (typeof sql === 'string' ? [sql] : sql).map((s) => s.trim().replace(/\s*;$/, ''));
}

function step(description: string, statements: readonly string[]): PlannedStep {
  return {
    description,
    statements,
    locks: 'whatever the statements take, held until the step commits; each wait for a lock is bounded by lock_timeout and retried',
  };
}

/** `run sql: comment on table "tickets" is '…' (+2 more)`. */
function describeStatements(what: string, statements: readonly string[]): string {
  const first = (statements[0] ?? '').replace(/\s+/g, ' ');
  const shown = first.length > 60 ? `${first.slice(0, 57)}…` : first;
  return `${what}: ${shown}${statements.length > 1 ? ` (+${statements.length - 1} more)` : ''}`;
}

/** Pure planning: one locked step in the chosen phase, the rollback step, and the warnings. */
export function planRawSql(spec: SqlSpec): OperationPlan {
  const statements = statementsOf(spec.sql);
  const run = step(describeStatements(`run sql (${spec.phase})`, statements), statements);
  const rollback =
    spec.rollback === undefined
      ? []
      : [step(describeStatements('run the rollback sql', statementsOf(spec.rollback)), statementsOf(spec.rollback))];
  const warnings = [
    `raw SQL (${spec.phase}): online cannot check what it locks or how long it runs. It runs in one transaction under lock_timeout with retries, ` +
      'so it never leaves traffic queued behind a long transaction; but every lock it takes is held until it commits, so a statement that scans ' +
      'or rewrites a large table blocks that table for the whole scan. Prefer an operation (create-index, add-check, add-column…) where one fits',
    ...(spec.phase === 'expand' && spec.rollback === undefined
      ? ['raw SQL (expand) has no rollback SQL: `online rollback` cannot undo it; add `rollback:` to make it undoable']
      : []),
    ...(statements.some((s) => /^create\s+(unique\s+)?index\s+(?!concurrently\b)/i.test(s))
      ? [
          'raw SQL: CREATE INDEX without CONCURRENTLY blocks every write to its table for the whole build; the create-index operation builds it concurrently',
        ]
      : []),
  ];
  return {
    expand: spec.phase === 'expand' ? [run] : [],
    backfill: [],
    contract: spec.phase === 'contract' ? [run] : [],
    rollback,
    warnings,
  };
}

const syntaxError = '42601';
/** Syntax is checked before any lock is taken, so waiting for one (during analysis) would teach nothing. */
const parseLockTimeoutMs = 10;

/** One statement that may be a step: one statement by the grammar, allowed in a step, and syntactically valid to the server. */
async function checkStatement(sql: Sql, field: string, statement: string): Promise<void> {
  const refusal = await stepRefusal(await parseOneStatement(field, statement));
  if (refusal !== undefined) throw new PreflightError('SQL_NOT_ALLOWED', `${field}: ${refusal}\n  sql: ${statement}`);
  await requireStandardConformingStrings(sql);
  // Analysis of a query locks the tables it names (after the syntax check): never wait for them.
  const parsed = await inRolledBackTransaction(sql, async (tx) => {
    await tx.unsafe('set transaction read only');
    await tx.unsafe(`set local lock_timeout = ${parseLockTimeoutMs}`);
    return tx.unsafe(statement, [], { prepare: false }).describe();
  }).catch((error: unknown) => error);
  if (sqlState(parsed) === syntaxError)
    throw new PreflightError('INVALID_SQL', `${field} does not parse: ${errorMessage(parsed)}\n  sql: ${statement}`);
}

export const rawSql = {
  op: 'sql',
  schema: sqlSpec,
  shorthand: [
    { flag: 'phase', field: ['phase'], value: 'text', summary: 'expand or contract: when the SQL runs (sql).' },
    {
      flag: 'sql',
      field: ['sql'],
      value: 'texts',
      summary: 'A SQL statement; repeatable, run in order in one transaction under lock_timeout (sql).',
    },
    { flag: 'rollback', field: ['rollback'], value: 'texts', summary: 'SQL that undoes an expand-phase sql; repeatable (sql).' },
  ],
  defaultName: (spec) => `sql-${spec.phase}`,
  tables: (spec) => spec.tables.map((t) => ({ schema: t.schema, name: t.table })),
  async prepare({ sql }, spec) {
    const fields = [
      ...statementsOf(spec.sql).map((s, i) => ({ field: typeof spec.sql === 'string' ? 'sql' : `sql[${i}]`, s })),
      ...(spec.rollback === undefined
        ? []
        : statementsOf(spec.rollback).map((s, i) => ({ field: typeof spec.rollback === 'string' ? 'rollback' : `rollback[${i}]`, s }))),
    ];
    for (const { field, s } of fields) await checkStatement(sql, field, s);
    return planRawSql(spec);
  },
} satisfies Operation<SqlSpec>;
