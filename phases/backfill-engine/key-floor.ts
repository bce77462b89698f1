// The smallest value of a key's leading column, where progress can be measured along it (integers,
// uuids): the start of the first range's span, which has no lower bound of its own. One index probe.
import type { Sql } from '../../src/db/connect.js';
import type { KeyColumn } from '../../src/catalog/describe-table.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../../src/sql-text/quote.js';
import { measurableKeyType } from './key-scale.js';

export async function keyFloor(sql: Sql, table: QualifiedName, key: readonly KeyColumn[]): Promise<string | null> {
  const [leading] = key;
  if (leading === undefined || !measurableKeyType(leading.type)) return null;
  // ORDER BY … LIMIT 1, not min(): it walks the key's index, and every btree type has an ordering where
  // not every one has a min() aggregate (uuid has none before PostgreSQL 16).
  const column = quoteIdent(leading.name);
  const [row] = await sql.unsafe<{ low: string | null }[]>(
    `select ${column}::text as low from ${quoteQualified(table)} where ${column} is not null order by ${column} limit 1`,
  );
  return row?.low ?? null;
}
