// A constraint on a partitioned table, partition by partition. Each leaf's copy is validated on its own
// (SHARE UPDATE EXCLUSIVE on that leaf only: reads and writes go on), so the parent's step finds every
// copy valid and scans nothing. The `…OnLeaves` statements act on the leaves as they are when the
// step runs, not as planned: a partition created or attached since `start` is covered too.
import { dollarQuote } from '../sql-text/dollar-quote.js';
import { quoteLiteral } from '../sql-text/literal.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import type { PlannedStep, ViolationProbe } from '../plan/plan.js';
import { validateConstraint, type ConstraintDefinition } from './not-valid-constraint.js';

export interface LeafValidation {
  /** What the constraint is, e.g. `check c`, for step descriptions. */
  readonly what: string;
  readonly name: string;
  /** `LOCK TABLE` statements a leaf's step opens with (a foreign key's locks both tables), or none. */
  readonly locksFirst?: (leaf: QualifiedName) => readonly string[];
  readonly locks: (leaf: QualifiedName) => string;
  readonly explain: (leaf: QualifiedName) => ViolationProbe;
  readonly undoPhaseOnViolation?: readonly string[];
}

/**
 * One contract step per planned leaf: `alter table <leaf> validate constraint <name>`, reversible. A
 * leaf dropped or renamed since the plan is skipped (the parent's VALIDATE covers a renamed one), so
 * routine retention (dropping old months) never leaves the migration stuck on a step.
 */
export function leafValidationSteps(leaves: readonly QualifiedName[], v: LeafValidation): PlannedStep[] {
  return leaves.map((leaf) => ({
    description: `validate ${v.what} on partition ${leaf.name}`,
    statements: [...(v.locksFirst?.(leaf) ?? []), ifTableExists(leaf, validateConstraint(leaf, v.name))],
    locks: v.locks(leaf),
    reversible: true,
    ...(v.undoPhaseOnViolation === undefined ? {} : { undoPhaseOnViolation: v.undoPhaseOnViolation }),
    explain: v.explain(leaf),
  }));
}

/** `statement`, run only while `table` exists (a `do` block: DDL has no IF EXISTS for this). */
function ifTableExists(table: QualifiedName, statement: string): string {
  // One line: the server log shows the whole statement on the line that names it.
  return `do ${dollarQuote(` begin if to_regclass(${quoteLiteral(quoteQualified(table))}) is not null then ${statement}; end if; end `)}`;
}

/**
 * A `do` block running `alter table <leaf> <action>` on every leaf table under `parent` (sub-partitions
 * too) for which `which` holds (SQL over the leaf's oid `t.relid`). Names reach it only as dollar-quoted
 * text made by quote.ts; each leaf's name is PostgreSQL's own regclass output.
 */
function onLeaves(parent: QualifiedName, which: string, action: string): string {
  const body = [
    'declare leaf regclass;',
    'begin',
    '  for leaf in',
    `    select t.relid::regclass from pg_partition_tree(${dollarQuote(quoteQualified(parent))}::regclass) t`,
    `    join pg_class c on c.oid = t.relid where t.isleaf and c.relkind = 'r' and ${which} order by t.relid::regclass::text`,
    '  loop',
    `    execute 'alter table ' || leaf || ${dollarQuote(` ${action}`)};`,
    '  end loop;',
    'end',
  ].join('\n');
  return `do ${dollarQuote(`\n${body}\n`)}`;
}

const constraintOnLeaf = (name: string, also = ''): string =>
  `exists (select from pg_constraint k where k.conrelid = t.relid and k.conname = ${dollarQuote(name)}${also})`;

/** Adds the constraint NOT VALID to every leaf that has none of that name. */
export const addNotValidOnLeaves = (parent: QualifiedName, constraint: ConstraintDefinition): string =>
  onLeaves(
    parent,
    `not ${constraintOnLeaf(constraint.name)}`,
    `add constraint ${quoteIdent(constraint.name)} ${constraint.definition} not valid`,
  );

/** Validates the constraint on every leaf where it is not valid yet. */
export const validateOnLeaves = (parent: QualifiedName, name: string): string =>
  onLeaves(parent, constraintOnLeaf(name, ' and not k.convalidated'), `validate constraint ${quoteIdent(name)}`);

/** Drops the constraint from every leaf that holds it as its own (not inherited from the parent's). */
export const dropLocalOnLeaves = (parent: QualifiedName, name: string): string =>
  onLeaves(parent, constraintOnLeaf(name, ' and k.coninhcount = 0'), `drop constraint ${quoteIdent(name)}`);
