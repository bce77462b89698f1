// The lock analyzer: for one SQL statement, which relations it locks and in which mode, whether it
// rewrites or scans a table, from PostgreSQL's own parse tree (no database needed). Table-driven after
// the server's code and the docs' "Explicit Locking" table; ALTER TABLE is in alter-table-locks.ts,
// reads and writes in query-locks.ts. Relations a statement creates are not listed: nobody else can
// see them before it commits. Functions it calls and triggers it fires are not followed.
import type { Node } from 'libpg-query';
import { tagOf } from '../sql-grammar/parse-tree.js';
import { parseSql } from '../sql-grammar/postgres-parser.js';
import { alterTableAnalysis } from './alter-table-locks.js';
import { queryAnalysis } from './query-locks.js';
import { ddlAnalysis } from './ddl-locks.js';
import { no, type StatementAnalysis } from './statement-analysis.js';

export type { StatementAnalysis, StatementLock, Verdict, RelationName } from './statement-analysis.js';
export { relationText } from './statement-analysis.js';

/** Statements that lock no existing table (they create or change non-table objects, or the session). */
const lockFree = new Set([
  'CreateFunctionStmt',
  'CreateSeqStmt',
  'CreateSchemaStmt',
  'DefineStmt',
  'CreateEnumStmt',
  'AlterEnumStmt',
  'CompositeTypeStmt',
  'CreateDomainStmt',
  'VariableSetStmt',
  'VariableShowStmt',
  'TransactionStmt',
  'CreateExtensionStmt',
]);

const opaqueStatements: Readonly<Record<string, string>> = {
  DoStmt: 'DO block',
  CallStmt: 'CALL',
  ExecuteStmt: 'EXECUTE',
};

function unknownStatement(kind: string, why: string): StatementAnalysis {
  return { kind, locks: [], rewrites: { answer: 'maybe', why }, scans: { answer: 'maybe', why }, opaque: true, notes: [why] };
}

/** The analysis of one parsed statement. */
export function analyzeTree(stmt: Node): StatementAnalysis {
  const tag = tagOf(stmt);
  if ('AlterTableStmt' in stmt) return alterTableAnalysis(stmt.AlterTableStmt);
  if (lockFree.has(tag)) return { kind: tag.replace(/Stmt$/, ''), locks: [], rewrites: no, scans: no, opaque: false, notes: [] };
  const opaque = opaqueStatements[tag];
  if (opaque !== undefined) return unknownStatement(opaque, `what a ${opaque} locks is decided by code the statement does not show`);
  return queryAnalysis(stmt) ?? ddlAnalysis(stmt) ?? unknownStatement(tag.replace(/Stmt$/, ''), 'this kind of statement is not analyzed');
}

/** The analysis of `text`, one statement; text that does not parse, or holds several statements, is opaque. */
export async function analyzeStatement(text: string): Promise<StatementAnalysis> {
  const parsed = await parseSql(text);
  if (!parsed.ok) return unknownStatement('unparsed', `it does not parse: ${parsed.message}`);
  const [first, ...more] = parsed.statements;
  if (first === undefined) return { kind: 'empty', locks: [], rewrites: no, scans: no, opaque: false, notes: [] };
  if (more.length > 0) return unknownStatement('several statements', 'give one statement at a time');
  return analyzeTree(first.stmt);
}
