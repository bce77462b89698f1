// What a statement of an `sql` step may not be, decided on PostgreSQL's parse tree of it (not on its
// spelling, so `/* */`-free tricks like odd spacing, quoting or case change nothing):
//   - nothing that cannot run inside a transaction block: every sql step is one transaction;
//   - no transaction control: online begins and commits the step;
//   - nothing that changes the session beyond the step, which would outlive it on the pooled
//     connection and redirect later steps (a search_path pointing elsewhere, a role, a timeout):
//     session-level SET/RESET, DISCARD, LOAD, and set_config(…, is_local) unless is_local is literally
//     true, anywhere in the statement; in a DO block, set_config and SET/RESET statements in its body.
//     Not followed: SQL a DO block builds at run time (EXECUTE) and functions the statement calls;
//   - no lock_timeout of its own: --lock-timeout is what keeps traffic from queueing behind the step.
import type { Node } from 'libpg-query';
import { stringsOf, tagOf, walkNodes } from '../sql-grammar/parse-tree.js';
import { scanSql } from '../sql-grammar/postgres-parser.js';

const outsideTransaction = 'cannot run inside a transaction block, and every sql step is one transaction';
const transactionControl =
  'transaction control is not allowed: the statements already run in one transaction that online begins and commits';
const sessionSet = 'a session-level SET or RESET would outlive the step on a pooled connection: use SET LOCAL';
const sessionConfig =
  'set_config(…, false) changes the session beyond the step, so it would outlive it on a pooled connection and could redirect later steps: pass true as the third argument (local to the step)';

/** Statements refused by type alone. */
const refusedStatements: Readonly<Record<string, string>> = {
  TransactionStmt: transactionControl,
  DiscardStmt: 'DISCARD would reset the session online runs the step in',
  LoadStmt: 'LOAD changes the session beyond the step',
  CreatedbStmt: `CREATE DATABASE ${outsideTransaction}`,
  DropdbStmt: `DROP DATABASE ${outsideTransaction}`,
  CreateTableSpaceStmt: `CREATE TABLESPACE ${outsideTransaction}`,
  DropTableSpaceStmt: `DROP TABLESPACE ${outsideTransaction}`,
  CreateSubscriptionStmt: `CREATE SUBSCRIPTION ${outsideTransaction}`,
  DropSubscriptionStmt: `DROP SUBSCRIPTION ${outsideTransaction}`,
  AlterSystemStmt: `ALTER SYSTEM ${outsideTransaction}`,
};

const isTrue = (node: Node | undefined): boolean => {
  if (node === undefined) return false;
  if ('TypeCast' in node) return isTrue(node.TypeCast.arg);
  if (!('A_Const' in node)) return false;
  if (node.A_Const.boolval !== undefined) return node.A_Const.boolval.boolval === true;
  return ['true', 't', 'on', 'yes', 'y', '1'].includes((node.A_Const.sval?.sval ?? '').toLowerCase());
};

/** A set_config call anywhere in the tree whose is_local is not literally true. */
function sessionSetConfig(tree: Node): boolean {
  let found = false;
  walkNodes(tree, (tag, body) => {
    if (tag !== 'FuncCall') return;
    const name = stringsOf(body.funcname as Node[] | undefined) ?? [];
    if (name[name.length - 1] !== 'set_config' || (name.length > 1 && name[0] !== 'pg_catalog')) return;
    const args = (body.args as Node[] | undefined) ?? [];
    if (args.length !== 3 || !isTrue(args[2])) found = true;
  });
  return found;
}

const statementStarts: ReadonlySet<string> = new Set([';', 'begin', 'then', 'else', 'loop', 'declare']);

/** Why the body of a DO block could change the session, or undefined: set_config, or a SET/RESET statement. */
async function doBlockRefusal(stmt: Node): Promise<string | undefined> {
  let body = '';
  walkNodes(stmt, (tag, node) => {
    if (tag === 'DefElem' && node.defname === 'as') body = stringsOf([node.arg as Node])?.[0] ?? '';
  });
  const tokens = await scanSql(body);
  if ('error' in tokens) return `its body does not parse: ${tokens.error}`;
  // Identifiers as PostgreSQL reads them: "set_config" quoted is set_config too.
  const words = tokens
    .filter((t) => !t.comment)
    .map((t) => (t.text.startsWith('"') ? t.text.slice(1, -1).replaceAll('""', '"') : t.text.toLowerCase()));
  if (words.includes('set_config')) return `${sessionConfig}; a DO block may not call set_config at all`;
  const setStatement = words.findIndex(
    (w, i) =>
      (w === 'set' || w === 'reset') &&
      statementStarts.has(words[i - 1] ?? ';') &&
      words[i + 1] !== 'local' &&
      words[i + 1] !== 'constraints',
  );
  return setStatement < 0 ? undefined : sessionSet;
}

/** Why `stmt` cannot be a statement of an sql step, or undefined when it can. */
export async function stepRefusal(stmt: Node): Promise<string | undefined> {
  const tag = tagOf(stmt);
  const byType = refusedStatements[tag];
  if (byType !== undefined) return byType;
  if ('VariableSetStmt' in stmt) {
    const { kind, name, is_local: local } = stmt.VariableSetStmt;
    if (kind === 'VAR_SET_MULTI' && (name === 'TRANSACTION' || name === 'SESSION CHARACTERISTICS')) return transactionControl;
    if (local !== true) return sessionSet;
    if (name === 'lock_timeout')
      return 'lock_timeout is set by online (--lock-timeout): it is what keeps traffic from queueing behind the step';
  }
  if ('IndexStmt' in stmt && stmt.IndexStmt.concurrent === true) {
    return `CREATE INDEX CONCURRENTLY ${outsideTransaction}: use the create-index operation (it builds concurrently and survives interruptions)`;
  }
  if ('DropStmt' in stmt && stmt.DropStmt.concurrent === true)
    return `DROP INDEX CONCURRENTLY ${outsideTransaction}: use the drop-index operation`;
  if ('ReindexStmt' in stmt) {
    const { kind, params } = stmt.ReindexStmt;
    const concurrently = (params ?? []).some((p) => 'DefElem' in p && p.DefElem.defname === 'concurrently');
    if (concurrently || (kind !== 'REINDEX_OBJECT_INDEX' && kind !== 'REINDEX_OBJECT_TABLE')) {
      return `this REINDEX ${outsideTransaction}: run it outside online, or rebuild the index with create-index and drop-index`;
    }
  }
  if ('AlterTableStmt' in stmt) {
    const detach = (stmt.AlterTableStmt.cmds ?? []).some(
      (c) =>
        'AlterTableCmd' in c &&
        c.AlterTableCmd.subtype === 'AT_DetachPartition' &&
        c.AlterTableCmd.def !== undefined &&
        'PartitionCmd' in c.AlterTableCmd.def &&
        c.AlterTableCmd.def.PartitionCmd.concurrent === true,
    );
    if (detach) return `DETACH PARTITION CONCURRENTLY ${outsideTransaction}`;
  }
  if (
    ('VacuumStmt' in stmt && stmt.VacuumStmt.is_vacuumcmd === true) ||
    ('ClusterStmt' in stmt && stmt.ClusterStmt.relation === undefined)
  ) {
    return `VACUUM (and CLUSTER of every table) ${outsideTransaction}: run it outside online`;
  }
  if (
    'AlterDatabaseStmt' in stmt &&
    (stmt.AlterDatabaseStmt.options ?? []).some((o) => 'DefElem' in o && o.DefElem.defname === 'tablespace')
  ) {
    return `ALTER DATABASE … SET TABLESPACE ${outsideTransaction}`;
  }
  if (sessionSetConfig(stmt)) return sessionConfig;
  if ('DoStmt' in stmt) return doBlockRefusal(stmt);
  return undefined;
}
