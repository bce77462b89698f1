// Pre-flight shared by the constraint operations: the columns exist, and the constraint name is free.
import { findColumn, type TableInfo } from '../catalog/describe-table.js';
import { displayName } from '../sql-text/quote.js';
import { NameTakenError, PreflightError } from '../errors/index.js';

/** Every column exists, and none is listed twice. */
export function requireColumns(table: TableInfo, columns: readonly string[]): void {
  const missing = columns.filter((c) => findColumn(table, c) === undefined);
  if (missing.length > 0) {
    throw new PreflightError(
      'COLUMN_NOT_FOUND',
      `${missing.length === 1 ? 'column' : 'columns'} ${missing.join(', ')} of ${displayName(table)} ${missing.length === 1 ? 'does' : 'do'} not exist`,
    );
  }
  const twice = columns.find((c, i) => columns.indexOf(c) !== i);
  if (twice !== undefined) throw new PreflightError('DUPLICATE_COLUMN', `column ${twice} is listed twice in columns`);
}

/** Constraint names are unique per table; our NOT VALID constraint is added, never replaced. */
export function requireFreeConstraintName(table: TableInfo, name: string): void {
  const taken = table.constraints.find((c) => c.name === name);
  if (taken !== undefined) {
    throw new NameTakenError(`${displayName(table)} already has a constraint named ${name} (${taken.definition}); choose another --name`);
  }
}
