// The CI gate's rule for one statement of a pending migration, pure. It fails when the statement (or
// its transaction) holds a lock that blocks writes while it scans or rewrites a large table: writes
// queue for as long as the scan runs. A table the gate cannot size counts as large, and a statement
// whose locks are decided by code it does not show (DO, CALL) fails: a CI gate does not pass what it
// cannot judge. A brief lock that blocks writes on an existing table only warns: the source tool runs
// it without lock_timeout, so a long transaction on that table can make every query on it queue.
import type { Verdict } from '../../forecast/statement-analysis.js';
import type { LockCheck, StatementVerdictLevel, TableSize } from './check-types.js';

/** A lock that blocks writes, taken by an earlier statement of the same transaction and held to its end. */
export interface HeldLock {
  readonly relation: string;
  readonly mode: LockCheck['mode'];
  /** `file:line` of the statement that took it. */
  readonly takenAt: string;
}

export interface VerdictInput {
  readonly kind: string;
  readonly opaque: boolean;
  readonly rewrites: Verdict;
  readonly scans: Verdict;
  readonly locks: readonly LockCheck[];
  readonly work: TableSize | null;
  readonly heldEarlier: readonly HeldLock[];
  readonly largeTableRows: number;
  /** The source tool, for messages (`prisma runs it without lock_timeout`). */
  readonly tool: string;
}

export interface StatementVerdict {
  readonly verdict: StatementVerdictLevel;
  readonly reasons: readonly string[];
}

const rows = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A table of at least `largeTableRows` rows, or one the gate cannot size; a table the source creates is not. */
export function isLarge(size: TableSize, largeTableRows: number): boolean {
  if (size.source === 'new') return false;
  if (size.source === 'unknown') return true;
  return size.rows >= largeTableRows;
}

/** `public.t (120,000 rows ≥ --large-table 100,000)`, or why its size is unknown. */
export function sizeText(size: TableSize, largeTableRows: number): string {
  switch (size.source) {
    case 'catalog':
      return `${size.relation} (${size.estimated ? 'about ' : ''}${rows(size.rows)} rows${size.rows >= largeTableRows ? ` ≥ --large-table ${rows(largeTableRows)}` : ''})`;
    case 'new':
      return `${size.relation} (new: created at ${size.createdAt})`;
    case 'unknown':
      return `${size.relation} (size unknown: ${size.why}; a table the gate cannot size counts as large)`;
  }
}

const modeText = (mode: string): string => mode.toUpperCase();

function workVerb(input: VerdictInput): string {
  if (input.rewrites.answer !== 'no') return input.rewrites.answer === 'yes' ? 'rewrites' : 'may rewrite';
  return input.scans.answer === 'yes' ? 'scans' : 'may scan';
}

export function judgeStatement(input: VerdictInput): StatementVerdict {
  if (input.opaque) {
    return {
      verdict: 'fail',
      reasons: [
        `a ${input.kind} cannot be judged: what it locks and scans is decided by code the statement does not show, and a CI gate does not pass what it cannot judge; ` +
          'write its statements out plainly, or the change as an online spec',
      ],
    };
  }
  const works = input.rewrites.answer !== 'no' || input.scans.answer !== 'no';
  const blocking = input.locks.filter((l) => l.blocksWrites);
  if (works && input.work !== null && isLarge(input.work, input.largeTableRows)) {
    const what = `${workVerb(input)} ${sizeText(input.work, input.largeTableRows)}`;
    const earlier = input.heldEarlier.map((l) => `${modeText(l.mode)} on ${l.relation} (taken at ${l.takenAt})`).join(', ');
    if (blocking.length > 0) {
      const held = blocking.map((l) => `${modeText(l.mode)} on ${l.relation}`).join(', ');
      const reasons = [`holds ${held}, which blocks writes, while it ${what}`];
      if (earlier !== '') reasons.push(`and the same transaction still holds ${earlier} all that time`);
      return { verdict: 'fail', reasons };
    }
    if (earlier !== '') {
      return {
        verdict: 'fail',
        reasons: [
          `runs in the same transaction as earlier statements whose locks block writes until it commits: ${earlier}; it ${what} while they are held`,
        ],
      };
    }
  }
  const reasons: string[] = [];
  if (works && input.work !== null && isLarge(input.work, input.largeTableRows) && input.locks.some((l) => l.mode === 'row exclusive')) {
    reasons.push(
      `${workVerb(input)} ${sizeText(input.work, input.largeTableRows)} in one transaction, locking every row it writes until it commits: writers to those rows wait; online's backfill writes in small batches`,
    );
  }
  const existing = blocking.filter((l) => l.size.source !== 'new');
  if (existing.length > 0) {
    const reads = existing.some((l) => l.mode === 'access exclusive') ? 'reads and writes' : 'writes';
    reasons.push(
      `takes ${existing.map((l) => `${modeText(l.mode)} on ${l.relation}`).join(', ')}, which blocks ${reads}: brief, but ${input.tool} runs it without lock_timeout, ` +
        'so behind a long transaction on the table it waits, and every query on the table queues behind it (online takes it under lock_timeout, with retries)',
    );
  }
  return reasons.length > 0 ? { verdict: 'warn', reasons } : { verdict: 'ok', reasons: [] };
}
