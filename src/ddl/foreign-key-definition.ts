// The definition of a foreign key after its name, as add-foreign-key adds it and a column rebuild adds
// a copy of one on the new columns.
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';

export interface ForeignKeyDefinition {
  readonly columns: readonly string[];
  readonly references: QualifiedName;
  readonly referencedColumns: readonly string[];
  /** `on delete … on update … deferrable …` as SQL; empty for none. */
  readonly clauses: string;
}

/** `foreign key ("a") references "s"."t" ("b")[ <clauses>]`. */
export function foreignKeyDefinition(fk: ForeignKeyDefinition): string {
  const list = (columns: readonly string[]): string => columns.map(quoteIdent).join(', ');
  const clauses = fk.clauses === '' ? '' : ` ${fk.clauses}`;
  return `foreign key (${list(fk.columns)}) references ${quoteQualified(fk.references)} (${list(fk.referencedColumns)})${clauses}`;
}
