// Building and dropping an index CONCURRENTLY: SHARE UPDATE EXCLUSIVE only, so reads and writes go on.
// Each runs outside a transaction, in a step of its own (`kind: 'concurrent'`).
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';

export interface ConcurrentIndex {
  readonly name: string;
  readonly table: QualifiedName;
  readonly unique: boolean;
  /** What follows `ON <table>`: `using btree ("a") …`. */
  readonly body: string;
}

/** `create [unique ]index concurrently "name" on "s"."t" <body>`: the index goes in the table's schema. */
export const createIndexConcurrently = (index: ConcurrentIndex): string =>
  `create ${index.unique ? 'unique ' : ''}index concurrently ${quoteIdent(index.name)} on ${quoteQualified(index.table)} ${index.body}`;

/** `drop index concurrently if exists "s"."name"`. */
export const dropIndexConcurrently = (index: QualifiedName): string => `drop index concurrently if exists ${quoteQualified(index)}`;
