// A DO block that only wraps plain statements, e.g. drizzle-kit's
//   DO $$ BEGIN ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY …; EXCEPTION WHEN duplicate_object THEN null; END $$;
// is judged by the statements it wraps: PL/pgSQL's own parse tree says it holds nothing else (no
// variables assigned, no dynamic EXECUTE, no loop, handlers that do nothing). Anything more stays
// opaque: what it locks is decided by code the gate cannot follow.
import type { Node } from 'libpg-query';
import { z } from 'zod';
import { analyzeTree } from '../../forecast/statement-locks.js';
import { mergeLocks, strongestVerdict, type StatementAnalysis } from '../../forecast/statement-analysis.js';
import { parsePlpgsql, parseSql } from '../../sql-grammar/postgres-parser.js';

interface PlainBlock {
  readonly body?: readonly PlainStatement[] | undefined;
  readonly exceptions?: { readonly PLpgSQL_exception_block: { readonly exc_list?: readonly unknown[] | undefined } } | undefined;
}
type PlainStatement =
  | { readonly PLpgSQL_stmt_execsql: { readonly sqlstmt: { readonly PLpgSQL_expr: { readonly query: string } } } }
  | { readonly PLpgSQL_stmt_return: Readonly<Record<string, never>> }
  | { readonly PLpgSQL_stmt_block: PlainBlock };

/** A handler that does nothing (`WHEN duplicate_object THEN null`): it has no action. */
const silentHandler = z.object({ PLpgSQL_exception: z.object({ action: z.array(z.never()).optional() }) });

const plainStatement: z.ZodType<PlainStatement> = z.lazy(() =>
  z.union([
    z.object({ PLpgSQL_stmt_execsql: z.object({ sqlstmt: z.object({ PLpgSQL_expr: z.object({ query: z.string() }) }) }) }),
    // The implicit RETURN at the end of the body; one with a value has keys.
    z.object({ PLpgSQL_stmt_return: z.object({}).strict() }),
    z.object({ PLpgSQL_stmt_block: plainBlock }),
  ]),
);

const plainBlock: z.ZodType<PlainBlock> = z.lazy(() =>
  z.object({
    body: z.array(plainStatement).optional(),
    exceptions: z.object({ PLpgSQL_exception_block: z.object({ exc_list: z.array(silentHandler).optional() }) }).optional(),
  }),
);

const plainDo = z.object({
  plpgsql_funcs: z.tuple([z.object({ PLpgSQL_function: z.object({ action: z.object({ PLpgSQL_stmt_block: plainBlock }) }) })]),
});

function queries(block: PlainBlock): string[] {
  return (block.body ?? []).flatMap((s) =>
    'PLpgSQL_stmt_execsql' in s
      ? [s.PLpgSQL_stmt_execsql.sqlstmt.PLpgSQL_expr.query]
      : 'PLpgSQL_stmt_block' in s
        ? queries(s.PLpgSQL_stmt_block)
        : [],
  );
}

/** The statements a DO block only wraps, parsed; undefined when it does more than run them. */
export async function wrappedStatements(doText: string): Promise<Node[] | undefined> {
  const tree = await parsePlpgsql(doText);
  const parsed = plainDo.safeParse(tree.ok ? tree.tree : undefined);
  if (!parsed.success) return undefined;
  const statements: Node[] = [];
  for (const query of queries(parsed.data.plpgsql_funcs[0].PLpgSQL_function.action.PLpgSQL_stmt_block)) {
    const tree = await parseSql(query);
    const [first, ...more] = tree.ok ? tree.statements : [];
    if (first === undefined || more.length > 0) return undefined;
    statements.push(first.stmt);
  }
  return statements;
}

/** The analysis of the wrapped statements together: every lock (each relation once, in the mode covering all), the strongest rewrite and scan. */
export function wrappedAnalysis(statements: readonly Node[]): StatementAnalysis {
  const parts = statements.map(analyzeTree);
  return {
    kind: `DO block (${[...new Set(parts.map((p) => p.kind))].join(', ') || 'empty'})`,
    locks: mergeLocks(parts.flatMap((p) => p.locks)),
    rewrites: strongestVerdict(parts.map((p) => p.rewrites)),
    scans: strongestVerdict(parts.map((p) => p.scans)),
    opaque: parts.some((p) => p.opaque),
    notes: [...new Set(parts.flatMap((p) => p.notes))],
  };
}
