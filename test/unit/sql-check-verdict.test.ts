import { describe, expect, it } from 'vitest';
import type { LockCheck, TableSize } from '../../src/import/check/check-types.js';
import { isLarge, judgeStatement, type HeldLock, type VerdictInput } from '../../src/import/check/statement-verdict.js';

const big: TableSize = { source: 'catalog', relation: 'public.t', rows: 5000, bytes: 400_000, estimated: false };
const small: TableSize = { source: 'catalog', relation: 'public.t', rows: 50, bytes: 8192, estimated: false };
const fresh: TableSize = { source: 'new', relation: 't', createdAt: 'm/migration.sql:1' };
const unsized: TableSize = { source: 'unknown', relation: 't', why: 'no database given' };

const lock = (mode: LockCheck['mode'], size: TableSize, blocksWrites: boolean): LockCheck => ({
  relation: size.relation,
  mode,
  blocksWrites,
  reason: 'test',
  size,
});

/** What an earlier ADD COLUMN of the same migration still holds. */
const addColumnLock: HeldLock = { relation: 'public.t', mode: 'access exclusive', takenAt: 'm/migration.sql:1' };

const input = (over: Partial<VerdictInput>): VerdictInput => ({
  kind: 'CREATE INDEX',
  opaque: false,
  rewrites: { answer: 'no' },
  scans: { answer: 'yes', why: 'reads every row' },
  locks: [],
  work: null,
  heldEarlier: [],
  largeTableRows: 1000,
  tool: 'prisma',
  ...over,
});

describe('the CI gate verdict of one statement', () => {
  it('fails a lock that blocks writes held across a scan of a large table, naming lock, table and size', () => {
    const v = judgeStatement(input({ locks: [lock('share', big, true)], work: big }));
    expect(v).toEqual({
      verdict: 'fail',
      reasons: ['holds SHARE on public.t, which blocks writes, while it scans public.t (5,000 rows ≥ --large-table 1,000)'],
    });
  });

  it('fails a maybe-rewrite under ACCESS EXCLUSIVE (ALTER COLUMN TYPE) of a large table', () => {
    const v = judgeStatement(
      input({
        kind: 'ALTER TABLE',
        rewrites: { answer: 'maybe' },
        scans: { answer: 'maybe' },
        locks: [lock('access exclusive', big, true)],
        work: big,
      }),
    );
    expect(v.verdict).toBe('fail');
    expect(v.reasons[0]).toMatch(/^holds ACCESS EXCLUSIVE on public\.t, which blocks writes, while it may rewrite public\.t/);
  });

  it('counts a table it cannot size as large, and one the source created as small', () => {
    expect(isLarge(unsized, 1000)).toBe(true);
    expect(isLarge(fresh, 1000)).toBe(false);
    expect(isLarge(big, 5000)).toBe(true);
    expect(isLarge(big, 5001)).toBe(false);
    const v = judgeStatement(input({ locks: [lock('share', unsized, true)], work: unsized }));
    expect(v.verdict).toBe('fail');
    expect(v.reasons[0]).toContain('size unknown: no database given; a table the gate cannot size counts as large');
    expect(judgeStatement(input({ locks: [lock('share', fresh, true)], work: fresh }))).toEqual({ verdict: 'ok', reasons: [] });
  });

  it('only warns when the same scan runs on a small table: the lock is brief but taken without lock_timeout', () => {
    const v = judgeStatement(input({ locks: [lock('share', small, true)], work: small }));
    expect(v.verdict).toBe('warn');
    expect(v.reasons).toEqual([
      'takes SHARE on public.t, which blocks writes: brief, but prisma runs it without lock_timeout, so behind a long transaction on the table it waits, and every query on the table queues behind it (online takes it under lock_timeout, with retries)',
    ]);
  });

  it('warns on a brief ACCESS EXCLUSIVE with no scan (ADD COLUMN nullable), even on a large table', () => {
    const v = judgeStatement(
      input({ kind: 'ALTER TABLE', scans: { answer: 'no' }, locks: [lock('access exclusive', big, true)], work: big }),
    );
    expect(v.verdict).toBe('warn');
    expect(v.reasons[0]).toMatch(/^takes ACCESS EXCLUSIVE on public\.t, which blocks reads and writes: brief/);
  });

  it('passes a scan under a lock that lets writes through (CREATE INDEX CONCURRENTLY) on a large table', () => {
    const v = judgeStatement(input({ kind: 'CREATE INDEX CONCURRENTLY', locks: [lock('share update exclusive', big, false)], work: big }));
    expect(v).toEqual({ verdict: 'ok', reasons: [] });
  });

  it('fails a scan of a large table while an earlier statement of the same transaction holds a lock that blocks writes', () => {
    const v = judgeStatement(
      input({
        kind: 'UPDATE',
        locks: [lock('row exclusive', big, false)],
        work: big,
        heldEarlier: [addColumnLock],
      }),
    );
    expect(v.verdict).toBe('fail');
    expect(v.reasons[0]).toBe(
      'runs in the same transaction as earlier statements whose locks block writes until it commits: ACCESS EXCLUSIVE on public.t (taken at m/migration.sql:1); it scans public.t (5,000 rows ≥ --large-table 1,000) while they are held',
    );
  });

  it('says so when its own lock already fails it and an earlier statement of the transaction holds another', () => {
    const v = judgeStatement(
      input({
        locks: [lock('share', big, true)],
        work: big,
        heldEarlier: [addColumnLock],
      }),
    );
    expect(v.reasons).toEqual([
      'holds SHARE on public.t, which blocks writes, while it scans public.t (5,000 rows ≥ --large-table 1,000)',
      'and the same transaction still holds ACCESS EXCLUSIVE on public.t (taken at m/migration.sql:1) all that time',
    ]);
  });

  it('warns on an UPDATE of every row of a large table with nothing else held: row locks until it commits', () => {
    const v = judgeStatement(input({ kind: 'UPDATE', locks: [lock('row exclusive', big, false)], work: big }));
    expect(v.verdict).toBe('warn');
    expect(v.reasons[0]).toMatch(/locking every row it writes until it commits/);
  });

  it('fails a statement whose locks it cannot know (a DO block): a gate does not pass what it cannot judge', () => {
    const v = judgeStatement(input({ kind: 'DO block', opaque: true, scans: { answer: 'maybe' }, rewrites: { answer: 'maybe' } }));
    expect(v.verdict).toBe('fail');
    expect(v.reasons[0]).toMatch(/^a DO block cannot be judged/);
  });

  it('passes statements that lock no existing table (CREATE TABLE)', () => {
    expect(judgeStatement(input({ kind: 'CREATE TABLE', scans: { answer: 'no' } }))).toEqual({ verdict: 'ok', reasons: [] });
  });
});
