// The LOCK TABLE statements a locked step opens with. A step that locks several tables names them up
// front, one statement per table in the strongest mode the step needs there; the runner gives only the
// first of them the full lock_timeout, and on the next attempt tries first the one that failed.
import { lockModes, type LockMode } from './lock-modes.js';

export interface LeadingLock {
  /** The relation as written, e.g. `"public"."accounts"` (without a leading `only`, which `statement` keeps). */
  readonly relation: string;
  readonly mode: LockMode;
  /** `lock table <relation> in <mode> mode`, one table. */
  readonly statement: string;
}

export interface LockedStatements {
  /** The step's leading locks, one table each (a several-table LOCK is split, in its order). */
  readonly leading: readonly LeadingLock[];
  /** The statements after them. */
  readonly rest: readonly string[];
}

const ident = String.raw`(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)`;
const item = String.raw`(?:only\s+)?${ident}(?:\s*\.\s*${ident})?(?:\s*\*)?`;
const mode = `(${lockModes.map((m) => m.replaceAll(' ', String.raw`\s+`)).join('|')})`;
const lockStatement = new RegExp(String.raw`^\s*lock\s+(?:table\s+)?(${item}(?:\s*,\s*${item})*)\s+in\s+${mode}\s+mode\s*;?\s*$`, 'i');
const items = new RegExp(item, 'gi');

/** The tables and mode of a `LOCK TABLE … IN … MODE` statement (without NOWAIT), or undefined. */
export function parseTableLock(statement: string): { readonly relations: readonly string[]; readonly mode: LockMode } | undefined {
  const match = lockStatement.exec(statement);
  const list = match?.[1];
  const words = match?.[2]?.toLowerCase().split(/\s+/).join(' ');
  const found = lockModes.find((m) => m === words);
  if (list === undefined || found === undefined) return undefined;
  return { relations: list.match(items) ?? [], mode: found };
}

/** Splits a step into its leading locks and the rest. */
export function splitLeadingLocks(statements: readonly string[]): LockedStatements {
  const leading: LeadingLock[] = [];
  let index = 0;
  for (; index < statements.length; index++) {
    const lock = parseTableLock(statements[index] ?? '');
    if (lock === undefined) break;
    for (const item of lock.relations) {
      const relation = item.replace(/^only\s+/i, '');
      leading.push({ relation, mode: lock.mode, statement: `lock table ${item} in ${lock.mode} mode` });
    }
  }
  return { leading, rest: statements.slice(index) };
}

/**
 * The step without the leading locks of relations that no longer exist (`exists` answers per
 * relation): a partition dropped or renamed since the plan was made has nothing left to lock, and
 * locking it would fail the step on every attempt. A statement of the step that names it fails
 * itself, with PostgreSQL's own message.
 */
export function withoutMissing(step: LockedStatements, exists: (relation: string) => boolean): LockedStatements {
  const leading = step.leading.filter((lock) => exists(lock.relation));
  return leading.length === step.leading.length ? step : { leading, rest: step.rest };
}

/** The same step with leading lock `index` taken first (the others keep their order). */
export function leadWith(step: LockedStatements, index: number): LockedStatements {
  const chosen = step.leading[index];
  if (chosen === undefined || index === 0) return step;
  return { leading: [chosen, ...step.leading.filter((_, i) => i !== index)], rest: step.rest };
}
