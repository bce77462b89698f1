// The size of each table a source's statements lock: from the live catalog when a database is given
// (pg_class figures, a partitioned table's leaves summed: relation-figures.ts), or new and empty when
// an earlier statement of the source created it. Reads run on the caller's connection, which is under
// lock_timeout: a table whose catalog figures wait on a lock held elsewhere is reported unsized.
import type { Node, RangeVar } from 'libpg-query';
import { sqlState, type Sql } from '../../db/connect.js';
import { relationFigures, rowsOf } from '../../forecast/relation-figures.js';
import { fromRangeVar, type RelationName, type StatementLock } from '../../forecast/statement-analysis.js';
import { displayName, quoteIdent } from '../../sql-text/quote.js';
import type { TableSize } from './check-types.js';

export interface TableSizes {
  /** The size of the table `lock` is on (for `table of index`, the index's table). */
  sizeOf(lock: StatementLock): Promise<TableSize>;
  /** Notes what `stmt` creates (tables, indexes), so later statements find them new. */
  record(stmt: Node, where: string): void;
}

/** `public.t`, or `t` as written when the statement leaves the schema to search_path. */
export function shownName(relation: RelationName): string {
  if (relation.schema !== undefined) return displayName({ schema: relation.schema, name: relation.name });
  return /^[a-z_][a-z0-9_$]*$/.test(relation.name) ? relation.name : quoteIdent(relation.name);
}

/**
 * Same relation. An unqualified name is taken to be in `public` (PostgreSQL's default search_path, as the
 * importer reads it): `tickets` after `CREATE TABLE audit.tickets` is the existing public.tickets, not the
 * new table, so it is sized, never passed as new and empty.
 */
const matches = (a: RelationName, b: RelationName): boolean => a.name === b.name && (a.schema ?? 'public') === (b.schema ?? 'public');

interface Created {
  readonly relation: RelationName;
  readonly where: string;
  /** Created IF NOT EXISTS: the table may be an older one, full of rows; only the catalog can say it is new. */
  readonly ifNotExists: boolean;
}

/** SQLSTATEs of a catalog read that met a lock (lock_timeout) or ran too long (statement_timeout). */
const lockOrTimeout = new Set(['55P03', '57014']);

export function tableSizes(sql: Sql | undefined): TableSizes {
  const tables: Created[] = [];
  const indexes: { readonly index: RelationName; readonly table: RelationName; readonly where: string }[] = [];
  const figures = sql === undefined ? undefined : relationFigures(sql);

  const created = (relation: RelationName): Created | undefined => tables.findLast((t) => matches(t.relation, relation));

  async function sizeOfTable(relation: RelationName, ofIndex: boolean): Promise<TableSize> {
    const fresh = created(relation);
    const isNew: TableSize | undefined =
      fresh === undefined ? undefined : { source: 'new', relation: shownName(relation), createdAt: fresh.where };
    if (isNew !== undefined && fresh?.ifNotExists !== true) return isNew;
    const shown = `${ofIndex ? 'the table of index ' : ''}${shownName(relation)}`;
    if (figures === undefined) {
      const why =
        isNew === undefined
          ? 'no database given'
          : `no database given, and ${fresh?.where ?? ''} creates it IF NOT EXISTS: it may be older`;
      return { source: 'unknown', relation: shown, why };
    }
    try {
      const found = await figures(relation, ofIndex);
      if (found === undefined && isNew !== undefined) return isNew;
      if (found === undefined)
        return { source: 'unknown', relation: shown, why: 'not in the database, and not created earlier in the source' };
      return {
        source: 'catalog',
        relation: displayName(found.table),
        rows: rowsOf(found),
        bytes: found.totalBytes,
        estimated: found.rows < 0,
      };
    } catch (error) {
      if (!lockOrTimeout.has(sqlState(error) ?? '')) throw error;
      return { source: 'unknown', relation: shown, why: 'its catalog figures wait on a lock held elsewhere (the check does not queue)' };
    }
  }

  return {
    sizeOf(lock) {
      const index = indexes.findLast((i) => matches(i.index, lock.relation));
      if (lock.target === 'relation') {
        // An index the source created (DROP INDEX locks the index itself too) is as new as it is.
        if (index !== undefined) return Promise.resolve({ source: 'new', relation: shownName(lock.relation), createdAt: index.where });
        return sizeOfTable(lock.relation, false);
      }
      return index === undefined ? sizeOfTable(lock.relation, true) : sizeOfTable(index.table, false);
    },
    record(stmt, where) {
      const table = createdTable(stmt);
      const ifNotExists =
        ('CreateStmt' in stmt && stmt.CreateStmt.if_not_exists === true) ||
        ('CreateTableAsStmt' in stmt && stmt.CreateTableAsStmt.if_not_exists === true);
      if (table !== undefined) tables.push({ relation: fromRangeVar(table), where, ifNotExists });
      if ('IndexStmt' in stmt && stmt.IndexStmt.idxname !== undefined && stmt.IndexStmt.relation !== undefined) {
        const schema = stmt.IndexStmt.relation.schemaname;
        const index: RelationName = schema === undefined ? { name: stmt.IndexStmt.idxname } : { schema, name: stmt.IndexStmt.idxname };
        indexes.push({ index, table: fromRangeVar(stmt.IndexStmt.relation), where });
      }
    },
  };
}

/** The table a CREATE TABLE, CREATE TABLE AS or SELECT INTO makes. */
function createdTable(stmt: Node): RangeVar | undefined {
  if ('CreateStmt' in stmt) return stmt.CreateStmt.relation;
  if ('CreateTableAsStmt' in stmt) return stmt.CreateTableAsStmt.into?.rel;
  if ('SelectStmt' in stmt) return stmt.SelectStmt.intoClause?.rel;
  return undefined;
}
