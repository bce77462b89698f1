// What one SQL statement does to the relations it names, as plain data: the locks it takes (mode per
// relation), whether it rewrites or reads a whole table. Built by statement-locks.ts from PostgreSQL's
// parse tree alone, so it says `maybe` where only the catalog could tell.
import type { Node, RangeVar } from 'libpg-query';
import { lockModes, strongerMode, type LockMode } from '../db/lock-modes.js';
import { stringsOf } from '../sql-grammar/parse-tree.js';
import { quoteIdent } from '../sql-text/quote.js';

/** A relation as the statement names it: `schema` is absent when the search_path decides. */
export interface RelationName {
  readonly schema?: string;
  readonly name: string;
}

export interface StatementLock {
  readonly relation: RelationName;
  /**
   * `relation`: the named relation itself. `table of index`: the table the named index is on (DROP
   * INDEX, REINDEX INDEX name the index, but lock its table): resolve it through pg_index.
   */
  readonly target: 'relation' | 'table of index';
  readonly mode: LockMode;
  /** Its inheritance children and partitions are locked too (no ONLY), in the same mode. */
  readonly children: boolean;
  /** What takes it, e.g. `ALTER TABLE … ADD COLUMN`. */
  readonly reason: string;
}

export type Answer = 'yes' | 'no' | 'maybe';

export interface Verdict {
  readonly answer: Answer;
  /** Why, when it is not plainly `no`. */
  readonly why?: string;
}

export interface StatementAnalysis {
  /** The statement's kind, e.g. `ALTER TABLE`, `CREATE INDEX CONCURRENTLY`. */
  readonly kind: string;
  /** One entry per relation (and target), in the strongest mode the statement takes there. */
  readonly locks: readonly StatementLock[];
  /** Whether it writes a new copy of a table (a new relfilenode). */
  readonly rewrites: Verdict;
  /** Whether it reads a whole table (a scan of every row). */
  readonly scans: Verdict;
  /** True when what it locks is decided by code the text does not show (a DO block, a procedure). */
  readonly opaque: boolean;
  /** What the text alone cannot tell, e.g. the referenced table of a dropped foreign key. */
  readonly notes: readonly string[];
}

export const no: Verdict = { answer: 'no' };

/** `"schema"."name"`, or `"name"`: text `::regclass` reads. */
export function relationText(relation: RelationName): string {
  return relation.schema === undefined ? quoteIdent(relation.name) : `${quoteIdent(relation.schema)}.${quoteIdent(relation.name)}`;
}

export function fromRangeVar(range: RangeVar): RelationName {
  const name = range.relname ?? '';
  return range.schemaname === undefined ? { name } : { schema: range.schemaname, name };
}

/** A qualified name given as a list of String nodes, e.g. `[s, t]` or `[t]`; `drop` leading items first. */
export function fromNameList(list: readonly Node[] | undefined, dropLast = 0): RelationName | undefined {
  const parts = stringsOf(list)?.slice(0, (list?.length ?? 0) - dropLast);
  const name = parts?.[parts.length - 1];
  if (parts === undefined || name === undefined) return undefined;
  const schema = parts[parts.length - 2];
  return schema === undefined ? { name } : { schema, name };
}

/** The list inside a `List` node (how DROP and COMMENT spell object names). */
export function listItems(node: Node | undefined): readonly Node[] | undefined {
  return node !== undefined && 'List' in node ? (node.List.items ?? []) : undefined;
}

export function lockOn(range: RangeVar, mode: LockMode, reason: string): StatementLock {
  return { relation: fromRangeVar(range), target: 'relation', mode, children: range.inh === true, reason };
}

/** The numerically strongest of `modes` (how ALTER TABLE picks one level over its subcommands). */
export function highestMode(modes: readonly LockMode[]): LockMode {
  return modes.reduce((a, b) => (lockModes.indexOf(b) > lockModes.indexOf(a) ? b : a), 'access share');
}

const sameTarget = (a: StatementLock, b: StatementLock): boolean =>
  a.target === b.target && a.relation.name === b.relation.name && a.relation.schema === b.relation.schema;

/** One lock per relation and target: several on one are combined into the mode that covers them all. */
export function mergeLocks(locks: readonly StatementLock[]): StatementLock[] {
  const merged: StatementLock[] = [];
  for (const lock of locks) {
    const index = merged.findIndex((m) => sameTarget(m, lock));
    const earlier = merged[index];
    if (earlier === undefined) {
      merged.push(lock);
    } else {
      const mode = strongerMode(earlier.mode, lock.mode);
      merged[index] = {
        ...earlier,
        mode,
        children: earlier.children || lock.children,
        reason: mode === earlier.mode ? earlier.reason : lock.reason,
      };
    }
  }
  return merged;
}

const rank: Readonly<Record<Answer, number>> = { no: 0, maybe: 1, yes: 2 };

/** The strongest of several verdicts (yes over maybe over no), with the reasons of that strength. */
export function strongestVerdict(verdicts: readonly Verdict[]): Verdict {
  const top = verdicts.reduce<Answer>((a, v) => (rank[v.answer] > rank[a] ? v.answer : a), 'no');
  if (top === 'no') return no;
  const why = [...new Set(verdicts.filter((v) => v.answer === top && v.why !== undefined).map((v) => v.why))].join('; ');
  return why === '' ? { answer: top } : { answer: top, why };
}
