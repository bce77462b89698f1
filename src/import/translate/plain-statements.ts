// Statements that need no operation, by kind: already safe (catalog only or brief) → plain SQL in the
// right phase; transaction control and lock_timeout → skipped (online runs every step in its own
// transaction under its own lock_timeout); the ones that hold a strong lock for a long time, or whose
// effect cannot be read → refused with what to do instead. Undefined: the kind is not one of these.
import { quoteIdent, quoteQualified } from '../../sql-text/quote.js';
import type { SqlTable, StatementTranslation } from '../import-types.js';
import type { StatementSource } from './source-text.js';
import { nameKey, plainSql, refused, relationName, skipped, sqlTable, type MigrationScope } from './translation-scope.js';

const safeKinds: Readonly<Record<string, string>> = {
  CreateEnumStmt: 'CREATE TYPE … AS ENUM',
  CompositeTypeStmt: 'CREATE TYPE … AS (…)',
  CreateRangeStmt: 'CREATE TYPE … AS RANGE',
  CreateDomainStmt: 'CREATE DOMAIN',
  AlterEnumStmt: 'ALTER TYPE … ADD/RENAME VALUE',
  CreateSeqStmt: 'CREATE SEQUENCE',
  AlterSeqStmt: 'ALTER SEQUENCE',
  CommentStmt: 'COMMENT ON',
  CreateExtensionStmt: 'CREATE EXTENSION',
  CreateSchemaStmt: 'CREATE SCHEMA',
  GrantStmt: 'GRANT/REVOKE',
  GrantRoleStmt: 'GRANT/REVOKE role',
  AlterDefaultPrivilegesStmt: 'ALTER DEFAULT PRIVILEGES',
  ViewStmt: 'CREATE VIEW',
  CreateFunctionStmt: 'CREATE FUNCTION',
  CreateTrigStmt: 'CREATE TRIGGER',
  AlterOwnerStmt: 'ALTER … OWNER TO',
  CreatePolicyStmt: 'CREATE POLICY',
  DefineStmt: 'CREATE AGGREGATE/OPERATOR/COLLATION',
  CreateStatsStmt: 'CREATE STATISTICS',
};

/** What undoes an expand-phase statement that creates something new; undefined when it may have existed. */
function rollbackOf(source: StatementSource): string[] | undefined {
  const stmt = source.stmt;
  const last = (nodes: readonly unknown[] | undefined): string | undefined => {
    const parts = (nodes ?? []).map((n) =>
      typeof n === 'object' && n !== null && 'String' in n ? ((n as { String: { sval?: string } }).String.sval ?? '') : '',
    );
    if (parts.length === 1) return quoteIdent(parts[0] ?? '');
    if (parts.length === 2) return quoteQualified({ schema: parts[0] ?? '', name: parts[1] ?? '' });
    return undefined;
  };
  const ifExists = (what: string, name: string | undefined): string[] | undefined =>
    name === undefined ? undefined : [`drop ${what} if exists ${name}`];
  if ('CreateEnumStmt' in stmt) return ifExists('type', last(stmt.CreateEnumStmt.typeName));
  if ('CreateSeqStmt' in stmt && stmt.CreateSeqStmt.if_not_exists !== true)
    return [`drop sequence if exists ${quoteQualified(relationName(stmt.CreateSeqStmt.sequence))}`];
  if ('ViewStmt' in stmt && stmt.ViewStmt.replace !== true)
    return [`drop view if exists ${quoteQualified(relationName(stmt.ViewStmt.view))}`];
  if ('CreateSchemaStmt' in stmt && stmt.CreateSchemaStmt.if_not_exists !== true && (stmt.CreateSchemaStmt.schemaElts ?? []).length === 0) {
    return [`drop schema if exists ${quoteIdent(stmt.CreateSchemaStmt.schemaname ?? '')}`];
  }
  if ('CommentStmt' in stmt) return [];
  return undefined;
}

/** Kinds that touch no table at all (a type, a sequence, a function, a schema…). */
const tableless = new Set([
  'CreateEnumStmt',
  'CompositeTypeStmt',
  'CreateRangeStmt',
  'CreateDomainStmt',
  'AlterEnumStmt',
  'CreateSeqStmt',
  'AlterSeqStmt',
  'CreateExtensionStmt',
  'CreateSchemaStmt',
  'CreateFunctionStmt',
  'DefineStmt',
  'AlterDefaultPrivilegesStmt',
  'GrantRoleStmt',
]);

/** The tables a safe statement touches, for ordering: `[]` none, undefined unknown. */
function tablesOf(source: StatementSource): SqlTable[] | undefined {
  const stmt = source.stmt;
  const kind = Object.keys(stmt)[0] ?? '';
  if (tableless.has(kind)) return [];
  if ('CommentStmt' in stmt) {
    const { objtype, object } = stmt.CommentStmt;
    const parts =
      object !== undefined && 'List' in object ? (object.List.items ?? []).map((n) => ('String' in n ? (n.String.sval ?? '') : '')) : [];
    const table = objtype === 'OBJECT_TABLE' ? parts : objtype === 'OBJECT_COLUMN' ? parts.slice(0, -1) : undefined;
    if (table === undefined) return [];
    return [{ schema: table.length > 1 ? (table[0] ?? '') : 'public', table: table.at(-1) ?? '' }];
  }
  if ('CreateTrigStmt' in stmt) return [sqlTable(relationName(stmt.CreateTrigStmt.relation))];
  if ('CreatePolicyStmt' in stmt) return [sqlTable(relationName(stmt.CreatePolicyStmt.table))];
  if ('GrantStmt' in stmt && stmt.GrantStmt.targtype === 'ACL_TARGET_OBJECT' && stmt.GrantStmt.objtype === 'OBJECT_TABLE') {
    return (stmt.GrantStmt.objects ?? []).flatMap((o) => ('RangeVar' in o ? [sqlTable(relationName(o.RangeVar))] : []));
  }
  return undefined;
}

export function plainStatement(source: StatementSource, scope: MigrationScope): StatementTranslation | undefined {
  const stmt = source.stmt;
  const kind = Object.keys(stmt)[0] ?? '';
  if ('TransactionStmt' in stmt) return skipped('transaction control: online runs every step in its own transaction');
  if ('VariableSetStmt' in stmt) {
    const name = stmt.VariableSetStmt.name ?? '';
    if (['lock_timeout', 'statement_timeout', 'idle_in_transaction_session_timeout'].includes(name)) {
      return skipped(`${name}: online sets its own (--lock-timeout, --statement-timeout) on every step`);
    }
    return refused(
      `SET ${name} changes how every later statement runs, and online runs each step on its own connection state`,
      'leave the SET out of the migration (configure it on the role or database), or write the affected steps by hand',
    );
  }
  const safe = safeKinds[kind];
  if (safe !== undefined) {
    const rollback = rollbackOf(source);
    const tables = tablesOf(source);
    return plainSql('expand', `${safe}: catalog only, no table scanned or rewritten; plain SQL`, {
      ...(tables === undefined ? {} : { tables }),
      ...(rollback === undefined ? {} : { rollback }),
    });
  }
  if ('CreateTableAsStmt' in stmt) {
    const into = relationName(stmt.CreateTableAsStmt.into?.rel);
    scope.newTables.add(nameKey(into));
    return plainSql(
      'expand',
      'a new table or materialized view, filled by its query in the step (reads take no lock that blocks writers): plain SQL',
      {
        tables: [sqlTable(into)],
      },
    );
  }
  if ('VacuumStmt' in stmt) {
    if (stmt.VacuumStmt.is_vacuumcmd !== true) return plainSql('expand', 'ANALYZE takes SHARE UPDATE EXCLUSIVE: reads and writes continue');
    return refused(
      'VACUUM cannot run in a transaction, and VACUUM FULL rewrites the table under ACCESS EXCLUSIVE',
      'leave it to autovacuum, or run it outside migrations (pg_repack for a FULL on a live table)',
    );
  }
  if ('ClusterStmt' in stmt)
    return refused(
      'CLUSTER rewrites the table under ACCESS EXCLUSIVE: every read and write waits',
      'run pg_repack, or leave the physical order alone',
    );
  if ('LockStmt' in stmt)
    return refused(
      'an explicit LOCK TABLE holds its lock for the whole migration in the source tool; online takes the locks each step needs, briefly',
      'leave it out',
    );
  if ('ReindexStmt' in stmt) {
    return refused(
      'REINDEX without CONCURRENTLY blocks writes (and reads using the index) for the whole build, and REINDEX CONCURRENTLY cannot run in a transaction',
      'run REINDEX … CONCURRENTLY outside the migration, or rebuild with create-index and drop-index',
    );
  }
  if ('SelectStmt' in stmt || 'CallStmt' in stmt) {
    return refused(
      'its effect is whatever the functions it calls do, which online cannot read',
      'replace it with the statements it amounts to, or run it outside online',
    );
  }
  if ('RefreshMatViewStmt' in stmt)
    return refused(
      'REFRESH MATERIALIZED VIEW holds a strong lock while the query runs',
      'refresh it outside migrations (CONCURRENTLY, with a unique index)',
    );
  return undefined;
}
