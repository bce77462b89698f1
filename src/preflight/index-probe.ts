// Pre-flight for an index: builds it on an empty copy of the table's columns (`create temp table …
// (like …)`) inside a transaction that is rolled back. That costs nothing on any table size, proves
// every column, expression, method, operator class, INCLUDE and WHERE against the real column types,
// and yields PostgreSQL's own canonical definition to compare an existing index against.
import { InvalidIndexError } from '../errors/index.js';
import { errorMessage, type Sql } from '../db/connect.js';
import { normalizeIndexDefinition } from '../catalog/read-index.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import { inRolledBackTransaction } from '../db/rolled-back-transaction.js';
import { probeNames } from '../ddl/object-names.js';

const { indexCopy: probeTable, indexCopyIndex: probeIndex } = probeNames;

/**
 * `body` is what follows `ON <table>` in CREATE INDEX: `USING btree (a, (lower(b))) INCLUDE (c) WHERE …`.
 * Returns the normalized definition (see normalizeIndexDefinition).
 */
export async function probeIndexDefinition(sql: Sql, table: QualifiedName, unique: boolean, body: string): Promise<string> {
  let definition: string | undefined;
  try {
    definition = await inRolledBackTransaction(sql, async (tx) => {
      await tx.unsafe(`create temporary table ${quoteIdent(probeTable)} (like ${quoteQualified(table)}) on commit drop`);
      await tx.unsafe(`create ${unique ? 'unique ' : ''}index ${quoteIdent(probeIndex)} on ${quoteIdent(probeTable)} ${body}`);
      const [row] = await tx<{ def: string }[]>`select pg_get_indexdef(${probeIndex}::regclass) as def`;
      return row?.def;
    });
  } catch (error) {
    throw new InvalidIndexError(errorMessage(error), { cause: error });
  }
  if (definition === undefined) throw new InvalidIndexError('PostgreSQL returned no definition for the probe index');
  return normalizeIndexDefinition(definition, unique);
}
