// Reads and writes: SELECT takes ACCESS SHARE on every table it reads (ROW SHARE with FOR UPDATE/SHARE
// on the tables locked), INSERT/UPDATE/DELETE/MERGE take ROW EXCLUSIVE on their target and ACCESS SHARE
// on the tables they only read. Row locks are not table locks: they are not listed.
import type { Node, RangeVar } from 'libpg-query';
import { walkNodes } from '../sql-grammar/parse-tree.js';
import { lockOn, mergeLocks, no, type StatementAnalysis, type StatementLock, type Verdict } from './statement-analysis.js';

/** Every table the tree reads (CTE names excluded), ACCESS SHARE. */
function readLocks(tree: unknown, reason: string): StatementLock[] {
  const ctes = new Set<string>();
  walkNodes(tree, (tag, body) => {
    if (tag === 'CommonTableExpr' && typeof body.ctename === 'string') ctes.add(body.ctename);
  });
  const locks: StatementLock[] = [];
  walkNodes(tree, (tag, body) => {
    const range = body as RangeVar;
    if (tag !== 'RangeVar' || (range.schemaname === undefined && ctes.has(range.relname ?? ''))) return;
    locks.push(lockOn(range, 'access share', reason));
  });
  return locks;
}

/** FOR UPDATE/SHARE: ROW SHARE on the tables it names, or on every table read when it names none. */
function rowShareLocks(stmt: Node, reads: readonly StatementLock[]): StatementLock[] {
  const locks: StatementLock[] = [];
  walkNodes(stmt, (tag, body) => {
    if (tag !== 'LockingClause') return;
    const named = (body.lockedRels as Node[] | undefined) ?? [];
    const reason = 'SELECT … FOR UPDATE/SHARE';
    if (named.length === 0) locks.push(...reads.map((r) => ({ ...r, mode: 'row share' as const, reason })));
    for (const item of named) if ('RangeVar' in item) locks.push(lockOn(item.RangeVar, 'row share', reason));
  });
  return locks;
}

function write(kind: string, target: RangeVar | undefined, rest: unknown, scans: Verdict): StatementAnalysis {
  const own = target === undefined ? [] : [lockOn(target, 'row exclusive', kind)];
  return {
    kind,
    locks: mergeLocks([...own, ...readLocks(rest, `${kind} (a table it reads)`)]),
    rewrites: no,
    scans,
    opaque: false,
    notes: [],
  };
}

const wholeTable: Verdict = { answer: 'yes', why: 'no WHERE: every row' };
const perhaps: Verdict = { answer: 'maybe', why: 'depends on its WHERE and the indexes' };

export function queryAnalysis(stmt: Node): StatementAnalysis | undefined {
  if ('SelectStmt' in stmt) {
    const reads = readLocks(stmt, 'SELECT');
    return {
      kind: 'SELECT',
      locks: mergeLocks([...reads, ...rowShareLocks(stmt, reads)]),
      rewrites: no,
      scans: perhaps,
      opaque: false,
      notes: [],
    };
  }
  if ('InsertStmt' in stmt) {
    const { relation, ...rest } = stmt.InsertStmt;
    return write('INSERT', relation, rest, no);
  }
  if ('UpdateStmt' in stmt) {
    const { relation, ...rest } = stmt.UpdateStmt;
    return write('UPDATE', relation, rest, rest.whereClause === undefined ? wholeTable : perhaps);
  }
  if ('DeleteStmt' in stmt) {
    const { relation, ...rest } = stmt.DeleteStmt;
    return write('DELETE', relation, rest, rest.whereClause === undefined ? wholeTable : perhaps);
  }
  if ('MergeStmt' in stmt) {
    const { relation, ...rest } = stmt.MergeStmt;
    return write('MERGE', relation, rest, perhaps);
  }
  return undefined;
}
