// `DO` blocks run code whose effect cannot be read from the statement, so they are refused, except one
// idiom older drizzle-kit versions write for every foreign key:
//   DO $$ BEGIN
//    ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY …;
//   EXCEPTION
//    WHEN duplicate_object THEN null;
//   END $$;
// recognised on PL/pgSQL's own parse tree (one block, one SQL statement, one handler for
// duplicate_object doing nothing) and translated as its ALTER TABLE. On a table created earlier in the
// migration the block stays as written.
import { parsePlpgsql } from '../../sql-grammar/postgres-parser.js';
import type { StatementTranslation } from '../import-types.js';
import { alterTable } from './alter-table-translation.js';
import { statementSource, type StatementSource } from './source-text.js';
import { isNewTable, onNewTable, refused, relationName, type MigrationScope } from './translation-scope.js';

type Json = Record<string, unknown>;
const obj = (value: unknown, key: string): Json | undefined => {
  const inner = typeof value === 'object' && value !== null ? (value as Json)[key] : undefined;
  return typeof inner === 'object' && inner !== null ? (inner as Json) : undefined;
};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);

/** The one SQL statement of the drizzle idiom, or undefined when the block is anything else. */
function idiomStatement(tree: unknown): string | undefined {
  const funcs = list(typeof tree === 'object' && tree !== null ? (tree as Json).plpgsql_funcs : undefined);
  if (funcs.length !== 1) return undefined;
  const fn = obj(funcs[0], 'PLpgSQL_function');
  const outer = obj(obj(fn, 'action'), 'PLpgSQL_stmt_block');
  const body = list(outer?.body);
  // The outer block is PL/pgSQL's own wrapper: the DO's block, then an implicit RETURN.
  if (body.length !== 2 || obj(body[1], 'PLpgSQL_stmt_return') === undefined) return undefined;
  const block = obj(body[0], 'PLpgSQL_stmt_block');
  const statements = list(block?.body);
  const handlers = list(obj(block?.exceptions, 'PLpgSQL_exception_block')?.exc_list);
  if (block === undefined || block.label !== undefined || statements.length !== 1 || handlers.length !== 1) return undefined;
  const handler = obj(handlers[0], 'PLpgSQL_exception');
  const conditions = list(handler?.conditions).map((c) => obj(c, 'PLpgSQL_condition')?.condname);
  const action = list(handler?.action);
  if (conditions.length !== 1 || conditions[0] !== 'duplicate_object' || action.length > 0) return undefined;
  if (list(fn?.datums).length !== 3) return undefined;
  const query = obj(obj(obj(statements[0], 'PLpgSQL_stmt_execsql'), 'sqlstmt'), 'PLpgSQL_expr')?.query;
  return typeof query === 'string' ? query : undefined;
}

const refusedBlock = refused(
  "a DO block runs code whose effect online cannot read from the statement (only drizzle-kit's foreign-key idiom, DO $$ BEGIN ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY …; EXCEPTION WHEN duplicate_object THEN null; END $$, is recognised)",
  'replace the block with the statements it runs, or run it as an `op: sql` step you have checked yourself',
);

export async function doBlock(source: StatementSource, scope: MigrationScope): Promise<StatementTranslation> {
  const stmt0 = source.stmt;
  const options = 'DoStmt' in stmt0 ? (stmt0.DoStmt.args ?? []) : [];
  const language = options.some((o) => 'DefElem' in o && o.DefElem.defname === 'language');
  if (language) return refusedBlock;
  const parsed = await parsePlpgsql(source.text);
  const query = parsed.ok ? idiomStatement(parsed.tree) : undefined;
  if (query === undefined) return refusedBlock;
  const inner = await statementSource(query);
  const stmt = inner.stmt;
  if (!('AlterTableStmt' in stmt)) return refusedBlock;
  const cmds = stmt.AlterTableStmt.cmds ?? [];
  const only = cmds[0];
  const def = only !== undefined && 'AlterTableCmd' in only ? only.AlterTableCmd.def : undefined;
  if (cmds.length !== 1 || def === undefined || !('Constraint' in def) || def.Constraint.contype !== 'CONSTR_FOREIGN') return refusedBlock;
  const table = relationName(stmt.AlterTableStmt.relation);
  if (isNewTable(scope, table)) return onNewTable(table);
  const translation = await alterTable(inner, scope);
  if (translation.kind !== 'operation') return translation;
  return {
    ...translation,
    note: `drizzle-kit's DO block around ADD CONSTRAINT … FOREIGN KEY (it ignores "already exists"): translated as its ALTER TABLE; ${translation.note}; if the constraint already exists, pre-flight refuses instead of skipping it`,
  };
}
