// The leaves of a partitioned table that a constraint's plan validates one by one: leaf tables (not
// foreign ones, which hold no rows here to check), not being detached.
import { listLeafPartitions } from '../catalog/leaf-partitions.js';
import type { TableInfo } from '../catalog/describe-table.js';
import type { Sql } from '../db/connect.js';
import type { QualifiedName } from '../sql-text/quote.js';

/** Every leaf table under `table`, in the order listLeafPartitions gives; none for a plain table. */
export async function leavesToValidate(sql: Sql, table: TableInfo): Promise<QualifiedName[]> {
  if (!table.partitioned) return [];
  const leaves = await listLeafPartitions(sql, table);
  return leaves.filter((p) => p.kind === 'r' && !p.detachPending).map((p) => ({ schema: p.schema, name: p.name }));
}
