// Constraints, indexes and extended statistics of the copied tables, as PostgreSQL deparses them.
// A constraint or index of a partitioned table is created once on it and reaches the partitions as on
// the target; an index the target built on each level (ON ONLY, then attached) is rebuilt that way.
import type { TransactionSql } from '../db/connect.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import type { CopyStatement } from './schema-copy-statements.js';

interface ConstraintRow extends QualifiedName {
  readonly constraint: string;
  readonly type: string;
  readonly def: string;
  readonly validated: boolean;
}

export interface ConstraintStatements {
  /** Primary keys, unique, check and exclusion constraints. */
  readonly constraints: CopyStatement[];
  readonly foreignKeys: CopyStatement[];
  /** With sampled rows: VALIDATE of each foreign key the target has validated (skipped if the sample left orphans). */
  readonly validations: CopyStatement[];
}

/**
 * Constraints declared on the tables themselves (not those a partition or child inherits). With
 * sampled rows, foreign keys are added NOT VALID: a sample keeps a child row whose parent it dropped.
 */
export async function constraintStatements(
  tx: TransactionSql,
  tableIds: readonly string[],
  sampled: boolean,
): Promise<ConstraintStatements> {
  const rows = await tx.unsafe<ConstraintRow[]>(
    `select n.nspname as schema, c.relname as name, con.conname as constraint, con.contype::text as type,
            pg_get_constraintdef(con.oid) as def, con.convalidated as validated
       from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
      where con.conrelid = any($1::oid[]) and con.contype in ('p', 'u', 'c', 'x', 'f')
        and con.conparentid = 0 and con.coninhcount = 0
      order by case con.contype when 'p' then 0 when 'u' then 1 when 'x' then 2 when 'c' then 3 else 4 end, con.oid`,
    [tableIds as string[]],
  );
  const statement = (row: ConstraintRow, suffix = ''): CopyStatement => ({
    kind: row.type === 'f' ? 'foreign key' : 'constraint',
    name: `${row.constraint} on ${row.schema}.${row.name}`,
    sql: `alter table ${quoteQualified(row)} add constraint ${quoteIdent(row.constraint)} ${row.def}${suffix}`,
  });
  const foreign = rows.filter((r) => r.type === 'f');
  return {
    constraints: rows.filter((r) => r.type !== 'f').map((r) => statement(r)),
    foreignKeys: foreign.map((r) => statement(r, sampled && r.validated ? ' not valid' : '')),
    validations: sampled
      ? foreign
          .filter((r) => r.validated)
          .map((r) => ({
            kind: 'foreign key',
            name: `${r.constraint} on ${r.schema}.${r.name}`,
            sql: `alter table ${quoteQualified(r)} validate constraint ${quoteIdent(r.constraint)}`,
            counts: false,
          }))
      : [],
  };
}

interface IndexRow extends QualifiedName {
  readonly def: string;
  readonly parent: QualifiedName | null;
  readonly depth: number;
}

/**
 * Indexes that back no constraint, on tables and materialized views, then the attachments of
 * partitions' indexes to their parent's (deepest first, so each parent becomes valid when its last
 * partition's index attaches).
 */
export async function indexStatements(tx: TransactionSql, schemas: readonly string[]): Promise<CopyStatement[]> {
  const rows = await tx.unsafe<IndexRow[]>(
    `with recursive tree(id, depth) as (
       select i.indexrelid, 0 from pg_index i where not exists (select from pg_inherits h where h.inhrelid = i.indexrelid)
       union all
       select h.inhrelid, t.depth + 1 from pg_inherits h join tree t on t.id = h.inhparent)
     select n.nspname as schema, ic.relname as name, pg_get_indexdef(i.indexrelid) as def,
            (select json_build_object('schema', pn.nspname, 'name', p.relname)
               from pg_inherits h join pg_class p on p.oid = h.inhparent join pg_namespace pn on pn.oid = p.relnamespace
              where h.inhrelid = i.indexrelid) as parent,
            coalesce((select max(t.depth) from tree t where t.id = i.indexrelid), 0) as depth
       from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_class c on c.oid = i.indrelid
       join pg_namespace n on n.oid = ic.relnamespace
      where n.nspname = any($1) and c.relkind in ('r', 'p', 'm')
        and not exists (select from pg_constraint con where con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u', 'x'))
        and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
      order by depth, i.indexrelid`,
    [schemas as string[]],
  );
  const creates: CopyStatement[] = rows.map((r) => ({ kind: 'index', name: `${r.schema}.${r.name}`, sql: r.def }));
  const attaches: CopyStatement[] = rows
    .filter((r): r is IndexRow & { parent: QualifiedName } => r.parent !== null)
    .sort((a, b) => b.depth - a.depth)
    .map((r) => ({
      kind: 'index',
      name: `${r.schema}.${r.name}`,
      sql: `alter index ${quoteQualified(r.parent)} attach partition ${quoteQualified(r)}`,
      counts: false,
    }));
  return [...creates, ...attaches];
}

/** Extended statistics objects (CREATE STATISTICS), as pg_get_statisticsobjdef writes them. */
export async function statisticsStatements(tx: TransactionSql, tableIds: readonly string[]): Promise<CopyStatement[]> {
  const rows = await tx.unsafe<{ name: string; def: string }[]>(
    `select format('%s.%s', s.stxnamespace::regnamespace, s.stxname) as name, pg_get_statisticsobjdef(s.oid) as def
       from pg_statistic_ext s where s.stxrelid = any($1::oid[]) order by s.oid`,
    [tableIds as string[]],
  );
  return rows.map((r) => ({ kind: 'statistics', name: r.name, sql: r.def }));
}
