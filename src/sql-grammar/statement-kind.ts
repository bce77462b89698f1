// What a session's query text is, by PostgreSQL's grammar, for the safety limits of cancelling a
// blocker: DDL and LOCK TABLE are never cancelled. pg_stat_activity cuts a query at
// track_activity_query_size, so a text that does not parse is read by its statements' first words.
import type { Node } from 'libpg-query';
import { tagOf } from './parse-tree.js';
import { parseSql, scanSql } from './postgres-parser.js';

/**
 * `lock`: a LOCK TABLE; `ddl`: anything that changes the schema (or whose kind is not known to be
 * harmless); `dml`: queries, writes, transaction control, session settings and the like; `unreadable`:
 * no statement could be made out.
 */
export type StatementKind = 'dml' | 'ddl' | 'lock' | 'unreadable';

/** Statements that change no schema object (as tags of the parse tree). SELECT … INTO and EXPLAIN are looked into. */
const harmlessTags = new Set([
  'SelectStmt',
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  'MergeStmt',
  'TransactionStmt',
  'VariableSetStmt',
  'VariableShowStmt',
  'CopyStmt',
  'DeclareCursorStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'PrepareStmt',
  'ExecuteStmt',
  'DeallocateStmt',
  'DiscardStmt',
  'ListenStmt',
  'UnlistenStmt',
  'NotifyStmt',
  'CallStmt',
  'DoStmt',
  'CheckPointStmt',
]);

/** The same, by the first word of a statement (what is left of a text cut short). */
const harmlessWords = new Set([
  'select',
  'insert',
  'update',
  'delete',
  'merge',
  'with',
  'values',
  'table',
  'begin',
  'start',
  'commit',
  'end',
  'rollback',
  'abort',
  'savepoint',
  'release',
  'set',
  'reset',
  'show',
  'copy',
  'declare',
  'fetch',
  'move',
  'close',
  'prepare',
  'execute',
  'deallocate',
  'discard',
  'listen',
  'unlisten',
  'notify',
  'call',
  'do',
]);

const rank: Readonly<Record<StatementKind, number>> = { dml: 0, unreadable: 1, ddl: 2, lock: 3 };

/** The most telling kind among a text's statements: a LOCK TABLE anywhere makes it `lock`, DDL anywhere `ddl`. */
export async function statementKind(text: string): Promise<StatementKind> {
  if (text.trim() === '') return 'unreadable';
  const parsed = await parseSql(text);
  if (parsed.ok) return strongest(parsed.statements.map((s) => kindOfNode(s.stmt)));
  return kindByFirstWords(text);
}

function kindOfNode(node: Node): StatementKind {
  const tag = tagOf(node);
  if (tag === 'LockStmt') return 'lock';
  // SELECT … INTO creates a table; EXPLAIN ANALYZE runs what it explains.
  if ('SelectStmt' in node && node.SelectStmt.intoClause !== undefined) return 'ddl';
  if ('ExplainStmt' in node) return node.ExplainStmt.query === undefined ? 'dml' : kindOfNode(node.ExplainStmt.query);
  return harmlessTags.has(tag) ? 'dml' : 'ddl';
}

async function kindByFirstWords(text: string): Promise<StatementKind> {
  const tokens = await scanSql(text);
  // An unterminated string or comment (the cut fell inside one): the first statement's first word still tells.
  const words = 'error' in tokens ? [firstWord(text)] : firstWordsOf(tokens.filter((t) => !t.comment).map((t) => t.text));
  const kinds = words.map((word): StatementKind => {
    if (word === undefined) return 'unreadable';
    if (word === 'lock') return 'lock';
    return harmlessWords.has(word) ? 'dml' : 'ddl';
  });
  return kinds.length === 0 ? 'unreadable' : strongest(kinds);
}

/** The first token of each statement (statements end at `;`), lower-cased. */
function firstWordsOf(tokens: readonly string[]): (string | undefined)[] {
  const words: (string | undefined)[] = [];
  let atStart = true;
  for (const token of tokens) {
    if (token === ';') atStart = true;
    else if (atStart) {
      words.push(/^[a-z_]+$/i.test(token) ? token.toLowerCase() : undefined);
      atStart = false;
    }
  }
  return words;
}

function firstWord(text: string): string | undefined {
  const match = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*([a-z_]+)/i.exec(text);
  return match?.[1]?.toLowerCase();
}

function strongest(kinds: readonly StatementKind[]): StatementKind {
  return kinds.reduce<StatementKind>((a, b) => (rank[b] > rank[a] ? b : a), kinds.length === 0 ? 'unreadable' : 'dml');
}
