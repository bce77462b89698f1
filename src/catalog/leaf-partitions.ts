// The partitions of a partitioned table, read from pg_inherits recursively (a partition may itself be
// partitioned: its own partitions are sub-partitions). Leaves hold the rows; intermediate partitioned
// partitions hold none. Read at run time, not only at plan time: a partition attached during the
// migration is found by the next read.
import type { Sql } from '../db/connect.js';
import { quoteQualified, type QualifiedName } from '../sql-text/quote.js';

export interface PartitionInfo extends QualifiedName {
  /** The table it is a partition of (the root for a first-level partition). */
  readonly parent: QualifiedName;
  /** Levels below the root: 1 for the root's own partitions. */
  readonly level: number;
  /** `r` a leaf table, `p` a partitioned partition (no rows of its own), `f` a foreign table. */
  readonly kind: 'r' | 'p' | 'f';
  /** `pg_get_expr(relpartbound)`, e.g. `FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')` or `DEFAULT`. */
  readonly bound: string;
  readonly isDefault: boolean;
  /** Attached but being detached concurrently (pg_inherits.inhdetachpending, PostgreSQL 14+). */
  readonly detachPending: boolean;
}

/** Every partition under `table`, parents before their partitions, each level in name order; none for a plain table. */
export async function listPartitions(sql: Sql, table: QualifiedName): Promise<PartitionInfo[]> {
  const rows = await sql<
    {
      schema: string;
      name: string;
      parentSchema: string;
      parentName: string;
      level: number;
      kind: string;
      bound: string;
      detachPending: boolean;
    }[]
  >`
    -- inhdetachpending exists from PostgreSQL 14 on; before it, no detach is ever pending.
    with recursive tree as (
      select i.inhrelid as relid, i.inhparent as parent, 1 as level, coalesce((to_jsonb(i) ->> 'inhdetachpending')::boolean, false) as detach_pending
      from pg_inherits i where i.inhparent = ${quoteQualified(table)}::regclass
      union all
      select i.inhrelid, i.inhparent, t.level + 1, coalesce((to_jsonb(i) ->> 'inhdetachpending')::boolean, false)
      from pg_inherits i join tree t on i.inhparent = t.relid)
    select n.nspname as schema, c.relname as name, pn.nspname as "parentSchema", p.relname as "parentName",
           t.level, c.relkind::text as kind, coalesce(pg_get_expr(c.relpartbound, c.oid), '') as bound,
           t.detach_pending as "detachPending"
    from tree t
    join pg_class c on c.oid = t.relid join pg_namespace n on n.oid = c.relnamespace
    join pg_class p on p.oid = t.parent join pg_namespace pn on pn.oid = p.relnamespace
    where c.relispartition
    order by t.level, n.nspname, c.relname`;
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    parent: { schema: r.parentSchema, name: r.parentName },
    level: r.level,
    kind: partitionKind(r.kind),
    bound: r.bound,
    isDefault: r.bound === 'DEFAULT',
    detachPending: r.detachPending,
  }));
}

/** The partitions that hold rows: leaf tables and foreign tables (no partitioned ones). */
export async function listLeafPartitions(sql: Sql, table: QualifiedName): Promise<PartitionInfo[]> {
  return (await listPartitions(sql, table)).filter((p) => p.kind !== 'p');
}

function partitionKind(kind: string): PartitionInfo['kind'] {
  if (kind === 'r' || kind === 'p' || kind === 'f') return kind;
  throw new Error(`unexpected relkind ${kind} for a partition`);
}
