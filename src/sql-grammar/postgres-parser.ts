// PostgreSQL's own parser and scanner (libpg-query: the server's grammar compiled to WebAssembly),
// loaded once, on first use: the package compiles its WebAssembly as soon as it is imported, which
// commands that never check SQL (status, pause…) should not pay for. Positions are turned from the
// parser's UTF-8 byte offsets into string indices here, so no caller ever mixes the two.
import type * as LibpgQueryModule from 'libpg-query';
import type { Node, RawStmt } from 'libpg-query';
import { byteToIndex } from './byte-offsets.js';

/** A token as the server's lexer sees it, with string indices into the scanned text. */
export interface ScannedToken {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly comment: boolean;
}

/** One parsed statement; the outcome's `index(byteOffset)` turns the tree's `location`s into string indices. */
export interface ParsedStatement {
  readonly stmt: Node;
}

export type ParseOutcome =
  | { readonly ok: true; readonly statements: readonly ParsedStatement[]; readonly index: (byteOffset: number) => number }
  | { readonly ok: false; readonly message: string };

type LibpgQuery = typeof LibpgQueryModule;

let loading: Promise<LibpgQuery> | undefined;

/** Loads the WebAssembly parser (once; later calls share the first load). */
async function loadPostgresParser(): Promise<LibpgQuery> {
  loading ??= import('libpg-query').then(async (library) => {
    await library.loadModule();
    return library;
  });
  return loading;
}

/** Parses `text` as PostgreSQL would (standard_conforming_strings on); a syntax error is an outcome, not a throw. */
export async function parseSql(text: string): Promise<ParseOutcome> {
  const libpgQuery = await loadPostgresParser();
  try {
    const result = libpgQuery.parseSync(text);
    const statements = (result.stmts ?? []).map((raw: RawStmt) => {
      if (raw.stmt === undefined) throw new Error('the parser returned a statement without a tree');
      return { stmt: raw.stmt };
    });
    return { ok: true, statements, index: byteToIndex(text) };
  } catch (error) {
    if (!libpgQuery.hasSqlDetails(error)) throw error;
    return { ok: false, message: error.sqlDetails?.message ?? error.message };
  }
}

/** A statement of a script with its UTF-8 byte range (`length` 0: to the end of the text). */
export interface LocatedStatement {
  readonly stmt: Node;
  readonly location: number;
  readonly length: number;
}

/** Like parseSql, keeping each statement's byte range in the text; a syntax error carries its byte position when known. */
export async function parseSqlWithLocations(
  text: string,
): Promise<
  | { readonly ok: true; readonly statements: readonly LocatedStatement[] }
  | { readonly ok: false; readonly message: string; readonly position: number | undefined }
> {
  const libpgQuery = await loadPostgresParser();
  try {
    const result = libpgQuery.parseSync(text);
    const statements = (result.stmts ?? []).map((raw: RawStmt) => {
      if (raw.stmt === undefined) throw new Error('the parser returned a statement without a tree');
      return { stmt: raw.stmt, location: raw.stmt_location ?? 0, length: raw.stmt_len ?? 0 };
    });
    return { ok: true, statements };
  } catch (error) {
    if (!libpgQuery.hasSqlDetails(error)) throw error;
    const cursor = error.sqlDetails?.cursorPosition;
    return {
      ok: false,
      message: error.sqlDetails?.message ?? error.message,
      position: cursor === undefined ? undefined : byteToIndex(text)(cursor),
    };
  }
}

/** The lexer's tokens of `text`, comments included; a lexical error (an unterminated string…) is returned as its message. */
export async function scanSql(text: string): Promise<readonly ScannedToken[] | { readonly error: string }> {
  const libpgQuery = await loadPostgresParser();
  let tokens;
  try {
    tokens = libpgQuery.scanSync(text).tokens;
  } catch (error) {
    return { error: libpgQuery.hasSqlDetails(error) ? (error.sqlDetails?.message ?? error.message) : String(error) };
  }
  const index = byteToIndex(text);
  return tokens.map((t) => ({
    start: index(t.start),
    end: index(t.end),
    text: text.slice(index(t.start), index(t.end)),
    comment: t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT',
  }));
}

/** PL/pgSQL's parse tree of a function body or DO block (`DO $$ … $$`), or the parser's message. */
export async function parsePlpgsql(
  text: string,
): Promise<{ readonly ok: true; readonly tree: unknown } | { readonly ok: false; readonly message: string }> {
  const libpgQuery = await loadPostgresParser();
  try {
    return { ok: true, tree: libpgQuery.parsePlPgSQLSync(text) };
  } catch (error) {
    return { ok: false, message: libpgQuery.hasSqlDetails(error) ? (error.sqlDetails?.message ?? error.message) : String(error) };
  }
}
