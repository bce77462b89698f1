// DDL other than ALTER TABLE: CREATE/DROP/REINDEX INDEX, triggers, LOCK, TRUNCATE, VACUUM, CLUSTER,
// RENAME, COMMENT, CREATE TABLE … PARTITION OF/REFERENCES. Lock levels as the server takes them
// (indexcmds.c, trigger.c, tablecmds.c' RenameRelation, comment.c, the docs' "Explicit Locking").
import type { Node, RangeVar } from 'libpg-query';
import { lockModes, type LockMode } from '../db/lock-modes.js';
import { walkNodes } from '../sql-grammar/parse-tree.js';
import {
  fromNameList,
  fromRangeVar,
  listItems,
  lockOn,
  mergeLocks,
  no,
  type RelationName,
  type StatementAnalysis,
  type StatementLock,
  type Verdict,
} from './statement-analysis.js';

const ae = 'access exclusive';
const sue = 'share update exclusive';

function analysis(kind: string, locks: readonly StatementLock[], more: Partial<StatementAnalysis> = {}): StatementAnalysis {
  return { kind, locks: mergeLocks(locks), rewrites: no, scans: no, opaque: false, notes: [], ...more };
}

function named(
  relation: RelationName | undefined,
  mode: LockMode,
  reason: string,
  target: StatementLock['target'] = 'relation',
): StatementLock[] {
  return relation === undefined ? [] : [{ relation, target, mode, children: false, reason }];
}

const yes = (why: string): Verdict => ({ answer: 'yes', why });

function indexStatement(stmt: Node): StatementAnalysis | undefined {
  if ('IndexStmt' in stmt) {
    const { concurrent, relation } = stmt.IndexStmt;
    const kind = concurrent === true ? 'CREATE INDEX CONCURRENTLY' : 'CREATE INDEX';
    const locks = relation === undefined ? [] : [lockOn(relation, concurrent === true ? sue : 'share', kind)];
    return analysis(kind, locks, { scans: yes(concurrent === true ? 'reads every row twice (build and validate)' : 'reads every row') });
  }
  if ('ReindexStmt' in stmt) {
    const { kind, relation, params } = stmt.ReindexStmt;
    const concurrently = (params ?? []).some((p) => 'DefElem' in p && p.DefElem.defname === 'concurrently');
    const label = `REINDEX${concurrently ? ' … CONCURRENTLY' : ''}`;
    if (relation === undefined)
      return analysis(label, [], { notes: ['REINDEX of a schema or database locks each table in turn'], opaque: true });
    const table = concurrently ? sue : 'share';
    const scans = yes('rebuilds the index from every row');
    if (kind === 'REINDEX_OBJECT_INDEX') {
      const index = fromRangeVar(relation);
      const locks = [...named(index, concurrently ? sue : ae, `${label} (the index)`), ...named(index, table, label, 'table of index')];
      return analysis(label, locks, { scans });
    }
    return analysis(label, [lockOn(relation, table, label)], {
      scans,
      notes: ['its indexes are locked ACCESS EXCLUSIVE while each is rebuilt'],
    });
  }
  return undefined;
}

const dropTargets: Readonly<Partial<Record<string, string>>> = {
  OBJECT_TABLE: 'DROP TABLE',
  OBJECT_VIEW: 'DROP VIEW',
  OBJECT_MATVIEW: 'DROP MATERIALIZED VIEW',
  OBJECT_SEQUENCE: 'DROP SEQUENCE',
  OBJECT_FOREIGN_TABLE: 'DROP FOREIGN TABLE',
};

/** Objects that live on a table and are named `[schema.]table.object`: dropping one locks the table. */
const onTable: Readonly<Partial<Record<string, string>>> = {
  OBJECT_TRIGGER: 'TRIGGER',
  OBJECT_RULE: 'RULE',
  OBJECT_POLICY: 'POLICY',
};

function dropStatement(stmt: Node): StatementAnalysis | undefined {
  if (!('DropStmt' in stmt)) return undefined;
  const { removeType, objects, concurrent } = stmt.DropStmt;
  const names = (objects ?? []).map((o) => listItems(o));
  const type = removeType ?? '';
  const relationKind = dropTargets[type];
  if (relationKind !== undefined) {
    const locks = names.flatMap((n) => named(fromNameList(n), ae, relationKind));
    return analysis(relationKind, locks, {
      notes:
        type === 'OBJECT_TABLE'
          ? ['tables with foreign keys to or from it are locked ACCESS EXCLUSIVE too (their triggers are dropped)']
          : [],
    });
  }
  if (type === 'OBJECT_INDEX') {
    const kind = concurrent === true ? 'DROP INDEX CONCURRENTLY' : 'DROP INDEX';
    const locks = names.flatMap((n) => {
      const index = fromNameList(n);
      return [...named(index, ae, `${kind} (the index)`), ...named(index, concurrent === true ? sue : ae, kind, 'table of index')];
    });
    return analysis(kind, locks);
  }
  const object = onTable[type];
  if (object !== undefined)
    return analysis(
      `DROP ${object}`,
      names.flatMap((n) => named(fromNameList(n, 1), ae, `DROP ${object}`)),
    );
  return analysis(`DROP ${type.replace(/^OBJECT_/, '')}`, []);
}

const renamedRelations: Readonly<Partial<Record<string, string>>> = {
  OBJECT_TABLE: 'ALTER TABLE … RENAME TO',
  OBJECT_VIEW: 'ALTER VIEW … RENAME TO',
  OBJECT_MATVIEW: 'ALTER MATERIALIZED VIEW … RENAME TO',
  OBJECT_SEQUENCE: 'ALTER SEQUENCE … RENAME TO',
  OBJECT_FOREIGN_TABLE: 'ALTER FOREIGN TABLE … RENAME TO',
  OBJECT_COLUMN: 'RENAME COLUMN',
  OBJECT_TABCONSTRAINT: 'RENAME CONSTRAINT',
  OBJECT_TRIGGER: 'ALTER TRIGGER … RENAME',
  OBJECT_RULE: 'ALTER RULE … RENAME',
  OBJECT_POLICY: 'ALTER POLICY … RENAME',
};

function renameStatement(stmt: Node): StatementAnalysis | undefined {
  if (!('RenameStmt' in stmt)) return undefined;
  const { renameType, relation } = stmt.RenameStmt;
  if (relation === undefined) return analysis(`RENAME ${(renameType ?? '').replace(/^OBJECT_/, '')}`, []);
  // Since PostgreSQL 12 renaming an index locks only the index, SHARE UPDATE EXCLUSIVE.
  if (renameType === 'OBJECT_INDEX')
    return analysis('ALTER INDEX … RENAME', [lockOn({ ...relation, inh: false }, sue, 'ALTER INDEX … RENAME')]);
  const kind = renamedRelations[renameType ?? ''] ?? 'RENAME';
  const children = renameType === 'OBJECT_COLUMN' || renameType === 'OBJECT_TABCONSTRAINT';
  return analysis(kind, [lockOn({ ...relation, inh: children && relation.inh === true }, ae, kind)]);
}

function commentStatement(stmt: Node): StatementAnalysis | undefined {
  if (!('CommentStmt' in stmt)) return undefined;
  const { objtype, object } = stmt.CommentStmt;
  const type = objtype ?? '';
  const items = listItems(object);
  const kind = `COMMENT ON ${type.replace(/^OBJECT_/, '').replace('TABCONSTRAINT', 'CONSTRAINT')}`;
  const relationTypes = ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE'];
  const onRelation = ['OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT', 'OBJECT_TRIGGER', 'OBJECT_RULE', 'OBJECT_POLICY'];
  if (relationTypes.includes(type)) return analysis(kind, named(fromNameList(items), sue, kind));
  if (onRelation.includes(type)) return analysis(kind, named(fromNameList(items, 1), sue, kind));
  return analysis(kind, []);
}

function createStatement(stmt: Node): StatementAnalysis | undefined {
  if ('CreateStmt' in stmt) {
    const { inhRelations, partbound, tableElts } = stmt.CreateStmt;
    const parents = (inhRelations ?? []).flatMap((p) =>
      'RangeVar' in p
        ? [
            lockOn(
              { ...p.RangeVar, inh: false },
              partbound === undefined ? sue : ae,
              partbound === undefined ? 'CREATE TABLE … INHERITS (the parent)' : 'CREATE TABLE … PARTITION OF (the parent)',
            ),
          ]
        : [],
    );
    const referenced: StatementLock[] = [];
    walkNodes(tableElts, (tag, body) => {
      if (tag === 'Constraint' && body.contype === 'CONSTR_FOREIGN' && body.pktable !== undefined)
        referenced.push(
          lockOn({ ...(body.pktable as RangeVar), inh: false }, 'share row exclusive', 'CREATE TABLE … REFERENCES (the referenced table)'),
        );
      if (tag === 'TableLikeClause' && body.relation !== undefined)
        referenced.push(lockOn({ ...(body.relation as RangeVar), inh: false }, 'access share', 'CREATE TABLE … LIKE'));
    });
    if (partbound === undefined) return analysis('CREATE TABLE', [...parents, ...referenced]);
    return analysis('CREATE TABLE', [...parents, ...referenced], {
      notes: ["a default partition of the parent, if any, is locked ACCESS EXCLUSIVE and scanned for the new partition's rows"],
      // The parent stays locked ACCESS EXCLUSIVE all the while: only the catalog says whether there is a default partition.
      scans: { answer: 'maybe', why: "a default partition of the parent, if any, is scanned for the new partition's rows" },
    });
  }
  if ('CreateTrigStmt' in stmt) {
    const { relation, constrrel } = stmt.CreateTrigStmt;
    const locks = relation === undefined ? [] : [lockOn({ ...relation, inh: false }, 'share row exclusive', 'CREATE TRIGGER')];
    if (constrrel !== undefined) locks.push(lockOn({ ...constrrel, inh: false }, 'access share', 'CREATE CONSTRAINT TRIGGER … FROM'));
    return analysis('CREATE TRIGGER', locks);
  }
  if ('RuleStmt' in stmt) {
    const { relation } = stmt.RuleStmt;
    return analysis('CREATE RULE', relation === undefined ? [] : [lockOn({ ...relation, inh: false }, ae, 'CREATE RULE')]);
  }
  if ('ViewStmt' in stmt || 'CreateTableAsStmt' in stmt) {
    const kind = 'ViewStmt' in stmt ? 'CREATE VIEW' : 'CREATE TABLE AS';
    const query = 'ViewStmt' in stmt ? stmt.ViewStmt.query : stmt.CreateTableAsStmt.query;
    const reads: StatementLock[] = [];
    walkNodes(query, (tag, body) => {
      if (tag === 'RangeVar') reads.push(lockOn(body as RangeVar, 'access share', `${kind} (a table it reads)`));
    });
    const replaced = 'ViewStmt' in stmt && stmt.ViewStmt.replace === true && stmt.ViewStmt.view !== undefined;
    const view = replaced ? [lockOn({ ...stmt.ViewStmt.view!, inh: false }, ae, 'CREATE OR REPLACE VIEW (the view, if it exists)')] : [];
    return analysis(kind, [...view, ...reads], { scans: kind === 'CREATE TABLE AS' ? { answer: 'maybe', why: 'runs its query' } : no });
  }
  return undefined;
}

function maintenanceStatement(stmt: Node): StatementAnalysis | undefined {
  if ('LockStmt' in stmt) {
    const mode: LockMode = lockModes[(stmt.LockStmt.mode ?? 8) - 1] ?? ae;
    return analysis(
      'LOCK TABLE',
      (stmt.LockStmt.relations ?? []).flatMap((r) =>
        'RangeVar' in r ? [lockOn(r.RangeVar, mode, `LOCK TABLE … IN ${mode.toUpperCase()} MODE`)] : [],
      ),
    );
  }
  if ('TruncateStmt' in stmt) {
    const locks = (stmt.TruncateStmt.relations ?? []).flatMap((r) => ('RangeVar' in r ? [lockOn(r.RangeVar, ae, 'TRUNCATE')] : []));
    return analysis('TRUNCATE', locks, { rewrites: yes('a new, empty file') });
  }
  if ('VacuumStmt' in stmt) {
    const { options, rels, is_vacuumcmd: vacuum } = stmt.VacuumStmt;
    const full = (options ?? []).some((o) => 'DefElem' in o && o.DefElem.defname === 'full');
    const kind = vacuum === true ? (full ? 'VACUUM FULL' : 'VACUUM') : 'ANALYZE';
    const locks = (rels ?? []).flatMap((r) =>
      'VacuumRelation' in r && r.VacuumRelation.relation !== undefined ? [lockOn(r.VacuumRelation.relation, full ? ae : sue, kind)] : [],
    );
    return analysis(kind, locks, {
      rewrites: full ? yes('the table is copied into a new file') : no,
      scans:
        vacuum === true
          ? yes(full ? 'the copy reads every row' : 'reads the pages not all-visible')
          : { answer: 'maybe', why: 'reads a sample' },
      notes: locks.length === 0 ? [`${kind} without a table processes every table, each in turn`] : [],
    });
  }
  if ('ClusterStmt' in stmt) {
    const { relation } = stmt.ClusterStmt;
    return analysis('CLUSTER', relation === undefined ? [] : [lockOn({ ...relation, inh: false }, ae, 'CLUSTER')], {
      rewrites: yes('the table is copied in index order'),
      scans: yes('the copy reads every row'),
    });
  }
  if ('RefreshMatViewStmt' in stmt) {
    const { concurrent, relation } = stmt.RefreshMatViewStmt;
    const kind = concurrent === true ? 'REFRESH MATERIALIZED VIEW CONCURRENTLY' : 'REFRESH MATERIALIZED VIEW';
    return analysis(
      kind,
      relation === undefined ? [] : [lockOn({ ...relation, inh: false }, concurrent === true ? 'exclusive' : ae, kind)],
      {
        rewrites: concurrent === true ? no : yes('the view is rebuilt into a new file'),
        scans: yes('runs its query'),
      },
    );
  }
  if ('AlterSeqStmt' in stmt) {
    const { sequence } = stmt.AlterSeqStmt;
    return analysis(
      'ALTER SEQUENCE',
      sequence === undefined ? [] : [lockOn({ ...sequence, inh: false }, 'share row exclusive', 'ALTER SEQUENCE')],
    );
  }
  return undefined;
}

export function ddlAnalysis(stmt: Node): StatementAnalysis | undefined {
  return (
    indexStatement(stmt) ??
    dropStatement(stmt) ??
    renameStatement(stmt) ??
    commentStatement(stmt) ??
    createStatement(stmt) ??
    maintenanceStatement(stmt)
  );
}
