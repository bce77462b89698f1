// A constraint added without a long lock: ADD … NOT VALID checks only rows written from then on (ACCESS
// EXCLUSIVE for milliseconds, no scan); VALIDATE later checks the rest under SHARE UPDATE EXCLUSIVE,
// which blocks neither reads nor writes.
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';

/** A constraint by name, and its definition after the name (`check (…)`, `foreign key (…) references …`). */
export interface ConstraintDefinition {
  readonly name: string;
  readonly definition: string;
}

/** `check (<expression>)`. */
export const checkDefinition = (expression: string): string => `check (${expression})`;

/** `check ("column" is not null)`: what proves a column NOT NULL to SET NOT NULL without a scan. */
export const notNullCheck = (column: string): string => checkDefinition(`${quoteIdent(column)} is not null`);

const addClause = (c: ConstraintDefinition): string => `add constraint ${quoteIdent(c.name)} ${c.definition} not valid`;
const dropClause = (name: string): string => `drop constraint if exists ${quoteIdent(name)}`;

/** `alter table … add constraint … not valid`. */
export const addNotValid = (table: QualifiedName, constraint: ConstraintDefinition): string =>
  `alter table ${quoteQualified(table)} ${addClause(constraint)}`;

/**
 * One `alter table` that drops each constraint if it exists and adds it again NOT VALID: a resumed
 * expand replaces what an interrupted one left.
 */
export function replaceNotValid(table: QualifiedName, constraints: readonly ConstraintDefinition[]): string {
  const clauses = [...constraints.map((c) => dropClause(c.name)), ...constraints.map(addClause)];
  return `alter table ${quoteQualified(table)} ${clauses.join(', ')}`;
}

/** `alter table … validate constraint …`. */
export const validateConstraint = (table: QualifiedName, name: string): string =>
  `alter table ${quoteQualified(table)} validate constraint ${quoteIdent(name)}`;

/** `alter table … drop constraint if exists …`. */
export const dropConstraintIfExists = (table: QualifiedName, name: string): string =>
  `alter table ${quoteQualified(table)} ${dropClause(name)}`;
