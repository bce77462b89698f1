// ALTER TABLE (and ALTER INDEX/VIEW/…, which share its statement): one lock level over all its
// subcommands, the highest any of them needs, as PostgreSQL's AlterTableGetLockLevel decides
// (src/backend/commands/tablecmds.c), plus the other tables some subcommands lock (a foreign key's
// referenced table, a partition being attached), and which subcommands rewrite or scan the table.
import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, Node } from 'libpg-query';
import type { LockMode } from '../db/lock-modes.js';
import { stringsOf } from '../sql-grammar/parse-tree.js';
import {
  highestMode,
  lockOn,
  mergeLocks,
  no,
  strongestVerdict,
  type StatementAnalysis,
  type StatementLock,
  type Verdict,
} from './statement-analysis.js';

interface SubcommandEffect {
  readonly mode: LockMode;
  readonly label: string;
  readonly rewrites?: Verdict;
  readonly scans?: Verdict;
  /** Locks on relations other than the altered one. */
  readonly others?: readonly StatementLock[];
  readonly notes?: readonly string[];
  /** False when it acts on the named table alone, never on its children (ATTACH/DETACH PARTITION). */
  readonly recurses?: false;
}

const ae = 'access exclusive';
const sue = 'share update exclusive';
const sre = 'share row exclusive';

/** Subcommands whose effect is their lock level alone. */
const plain: Readonly<Partial<Record<string, readonly [LockMode, string]>>> = {
  AT_ColumnDefault: [ae, 'ALTER COLUMN SET/DROP DEFAULT'],
  AT_CookedColumnDefault: [ae, 'ALTER COLUMN SET DEFAULT'],
  AT_DropNotNull: [ae, 'ALTER COLUMN DROP NOT NULL'],
  AT_DropExpression: [ae, 'ALTER COLUMN DROP EXPRESSION'],
  AT_SetStatistics: [sue, 'ALTER COLUMN SET STATISTICS'],
  AT_SetOptions: [sue, 'ALTER COLUMN SET (…)'],
  AT_ResetOptions: [sue, 'ALTER COLUMN RESET (…)'],
  AT_SetStorage: [ae, 'ALTER COLUMN SET STORAGE'],
  AT_SetCompression: [ae, 'ALTER COLUMN SET COMPRESSION'],
  AT_DropColumn: [ae, 'DROP COLUMN'],
  AT_AddColumnToView: [ae, 'ADD COLUMN (view)'],
  AT_AlterConstraint: [ae, 'ALTER CONSTRAINT'],
  AT_AddIndexConstraint: [ae, 'ADD CONSTRAINT … USING INDEX'],
  AT_AlterColumnGenericOptions: [ae, 'ALTER COLUMN OPTIONS'],
  AT_ChangeOwner: [ae, 'OWNER TO'],
  AT_ClusterOn: [sue, 'CLUSTER ON'],
  AT_DropCluster: [sue, 'SET WITHOUT CLUSTER'],
  AT_DropOids: [ae, 'SET WITHOUT OIDS'],
  AT_ReplaceRelOptions: [ae, 'CREATE OR REPLACE VIEW'],
  AT_EnableTrig: [sre, 'ENABLE TRIGGER'],
  AT_EnableAlwaysTrig: [sre, 'ENABLE ALWAYS TRIGGER'],
  AT_EnableReplicaTrig: [sre, 'ENABLE REPLICA TRIGGER'],
  AT_DisableTrig: [sre, 'DISABLE TRIGGER'],
  AT_EnableTrigAll: [sre, 'ENABLE TRIGGER ALL'],
  AT_DisableTrigAll: [sre, 'DISABLE TRIGGER ALL'],
  AT_EnableTrigUser: [sre, 'ENABLE TRIGGER USER'],
  AT_DisableTrigUser: [sre, 'DISABLE TRIGGER USER'],
  AT_EnableRule: [ae, 'ENABLE RULE'],
  AT_EnableAlwaysRule: [ae, 'ENABLE ALWAYS RULE'],
  AT_EnableReplicaRule: [ae, 'ENABLE REPLICA RULE'],
  AT_DisableRule: [ae, 'DISABLE RULE'],
  AT_AddOf: [ae, 'OF type'],
  AT_DropOf: [ae, 'NOT OF'],
  AT_ReplicaIdentity: [ae, 'REPLICA IDENTITY'],
  AT_EnableRowSecurity: [ae, 'ENABLE ROW LEVEL SECURITY'],
  AT_DisableRowSecurity: [ae, 'DISABLE ROW LEVEL SECURITY'],
  AT_ForceRowSecurity: [ae, 'FORCE ROW LEVEL SECURITY'],
  AT_NoForceRowSecurity: [ae, 'NO FORCE ROW LEVEL SECURITY'],
  AT_GenericOptions: [ae, 'OPTIONS (…)'],
  AT_AddIdentity: [ae, 'ALTER COLUMN ADD GENERATED … AS IDENTITY'],
  AT_SetIdentity: [ae, 'ALTER COLUMN SET GENERATED'],
  AT_DropIdentity: [ae, 'ALTER COLUMN DROP IDENTITY'],
  AT_DetachPartitionFinalize: [sue, 'DETACH PARTITION … FINALIZE'],
};

const rewriteYes = (why: string): Verdict => ({ answer: 'yes', why });
const scanYes = (why: string): Verdict => ({ answer: 'yes', why });

/** Functions whose value differs per row, so a column default calling them is stored in every row. */
const volatileFunctions = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'txid_current',
  'pg_current_xact_id',
  'statement_timestamp',
]);

/** Stable or immutable functions a default commonly calls: evaluated once, no rewrite. */
const nonVolatileFunctions = new Set(['now', 'transaction_timestamp', 'lower', 'upper', 'coalesce', 'to_jsonb', 'jsonb_build_object']);

const serialTypes = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

function calledFunctions(tree: unknown, found: string[] = []): string[] {
  if (Array.isArray(tree)) {
    for (const item of tree) calledFunctions(item, found);
  } else if (typeof tree === 'object' && tree !== null) {
    for (const [key, value] of Object.entries(tree)) {
      if (key === 'FuncCall') {
        const name = stringsOf((value as { funcname?: Node[] }).funcname);
        found.push(name?.[name.length - 1] ?? '');
      }
      calledFunctions(value, found);
    }
  }
  return found;
}

function addColumn(def: ColumnDef | undefined): SubcommandEffect {
  const constraints = (def?.constraints ?? []).flatMap((c) => ('Constraint' in c ? [c.Constraint] : []));
  const typeName = stringsOf(def?.typeName?.names)?.at(-1) ?? '';
  const defaultExpr = constraints.find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr;
  const calls = calledFunctions(defaultExpr);
  let rewrites: Verdict = no;
  if (constraints.some((c) => c.contype === 'CONSTR_GENERATED'))
    rewrites = rewriteYes('a stored generated column is computed for every row');
  else if (constraints.some((c) => c.contype === 'CONSTR_IDENTITY') || serialTypes.has(typeName))
    rewrites = rewriteYes('an identity or serial column takes a sequence value in every row');
  else if (calls.some((f) => volatileFunctions.has(f))) rewrites = rewriteYes('its default is volatile: stored in every row');
  else if (calls.some((f) => !nonVolatileFunctions.has(f)))
    rewrites = { answer: 'maybe', why: 'its default calls a function: a volatile one rewrites the table' };
  const checked = constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_CHECK');
  const indexed = constraints.some((c) => c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE');
  const scans =
    rewrites.answer !== 'no' || indexed
      ? scanYes(indexed ? 'builds an index on the new column' : 'the rewrite reads every row')
      : checked
        ? scanYes('NOT NULL or CHECK on the new column is checked against every row')
        : no;
  const others = constraints.flatMap((c) => (c.contype === 'CONSTR_FOREIGN' ? referencedLock(c) : []));
  return {
    mode: ae,
    label: 'ADD COLUMN',
    rewrites,
    scans,
    others,
  };
}

function referencedLock(constraint: Constraint): StatementLock[] {
  return constraint.pktable === undefined ? [] : [lockOn(constraint.pktable, sre, 'FOREIGN KEY … REFERENCES (the referenced table)')];
}

function addConstraint(constraint: Constraint | undefined): SubcommandEffect {
  const unchecked = constraint?.skip_validation === true;
  switch (constraint?.contype) {
    case 'CONSTR_FOREIGN':
      return {
        mode: sre,
        label: `ADD CONSTRAINT … FOREIGN KEY${unchecked ? ' … NOT VALID' : ''}`,
        scans: unchecked ? no : scanYes('every row is checked against the referenced table'),
        others: referencedLock(constraint),
      };
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
    case 'CONSTR_EXCLUSION': {
      const kind = constraint.contype.replace('CONSTR_', '').replace('PRIMARY', 'PRIMARY KEY');
      if (constraint.indexname !== undefined) {
        return {
          mode: ae,
          label: `ADD ${kind} USING INDEX`,
          scans:
            constraint.contype === 'CONSTR_PRIMARY'
              ? { answer: 'maybe', why: 'a primary key sets its columns NOT NULL: a scan unless they already are' }
              : no,
        };
      }
      return { mode: ae, label: `ADD ${kind}`, scans: scanYes('builds its index over every row') };
    }
    case 'CONSTR_CHECK':
      return {
        mode: ae,
        label: `ADD CONSTRAINT … CHECK${unchecked ? ' … NOT VALID' : ''}`,
        scans: unchecked ? no : scanYes('every row is checked'),
      };
    case 'CONSTR_NOTNULL':
      return { mode: ae, label: 'ADD CONSTRAINT … NOT NULL', scans: unchecked ? no : scanYes('every row is checked') };
    default:
      return { mode: ae, label: 'ADD CONSTRAINT' };
  }
}

/** Reloptions that change what queries see take ACCESS EXCLUSIVE; the storage and vacuum ones SHARE UPDATE EXCLUSIVE. */
const strongRelOptions = new Set(['user_catalog_table', 'security_barrier', 'security_invoker', 'check_option']);

function relOptions(def: Node | undefined, label: string): SubcommandEffect {
  const names = (def !== undefined && 'List' in def ? (def.List.items ?? []) : []).flatMap((item) =>
    'DefElem' in item ? [item.DefElem.defname ?? ''] : [],
  );
  return { mode: names.some((n) => strongRelOptions.has(n)) ? ae : sue, label };
}

function partitionCommand(cmd: AlterTableCmd, attach: boolean): SubcommandEffect {
  const partition = cmd.def !== undefined && 'PartitionCmd' in cmd.def ? cmd.def.PartitionCmd : undefined;
  const concurrent = partition?.concurrent === true;
  const named = partition?.name;
  if (attach) {
    return {
      mode: sue,
      label: 'ATTACH PARTITION',
      recurses: false,
      scans: {
        answer: 'maybe',
        why: 'the partition is scanned for its bound unless a valid CHECK proves it (and a default partition too)',
      },
      others: named === undefined ? [] : [lockOn({ ...named, inh: false }, ae, 'ATTACH PARTITION (the partition)')],
      notes: ['a default partition of the parent, if any, is locked ACCESS EXCLUSIVE and scanned'],
    };
  }
  return {
    mode: concurrent ? sue : ae,
    label: concurrent ? 'DETACH PARTITION … CONCURRENTLY' : 'DETACH PARTITION',
    recurses: false,
    others:
      named === undefined
        ? []
        : [
            lockOn(
              { ...named, inh: false },
              ae,
              concurrent
                ? 'DETACH PARTITION … CONCURRENTLY (the partition, in its second transaction)'
                : 'DETACH PARTITION (the partition)',
            ),
          ],
  };
}

function subcommandEffect(cmd: AlterTableCmd): SubcommandEffect {
  const known = plain[cmd.subtype ?? ''];
  if (known !== undefined) return { mode: known[0], label: known[1] };
  const def = cmd.def;
  switch (cmd.subtype) {
    case 'AT_AddColumn':
      return addColumn(def !== undefined && 'ColumnDef' in def ? def.ColumnDef : undefined);
    case 'AT_AddConstraint':
    case 'AT_ReAddConstraint':
      return addConstraint(def !== undefined && 'Constraint' in def ? def.Constraint : undefined);
    case 'AT_AddIndex':
    case 'AT_ReAddIndex':
      return { mode: ae, label: 'ADD CONSTRAINT (index)', scans: scanYes('builds its index over every row') };
    case 'AT_SetNotNull':
      return {
        mode: ae,
        label: 'ALTER COLUMN SET NOT NULL',
        scans: { answer: 'maybe', why: 'every row is checked unless a validated CHECK (column IS NOT NULL) proves it' },
      };
    case 'AT_ValidateConstraint':
      return {
        mode: sue,
        label: 'VALIDATE CONSTRAINT',
        scans: scanYes('every row is checked'),
        notes: ['a foreign key also takes ROW SHARE on its referenced table (the text does not say which)'],
      };
    case 'AT_DropConstraint':
      return {
        mode: ae,
        label: 'DROP CONSTRAINT',
        notes: ['a foreign key also takes ACCESS EXCLUSIVE on its referenced table (the text does not say which)'],
      };
    case 'AT_AlterColumnType':
      return {
        mode: ae,
        label: 'ALTER COLUMN TYPE',
        rewrites: {
          answer: 'maybe',
          why: 'unless the change is binary-coercible (e.g. varchar(n) to a longer varchar or text): the catalog decides',
        },
        scans: { answer: 'maybe', why: 'a rewrite reads every row and rebuilds the indexes on the column' },
      };
    case 'AT_SetExpression':
      return { mode: ae, label: 'ALTER COLUMN SET EXPRESSION', rewrites: rewriteYes('the generated column is recomputed for every row') };
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
      return {
        mode: ae,
        label: cmd.subtype === 'AT_SetLogged' ? 'SET LOGGED' : 'SET UNLOGGED',
        rewrites: rewriteYes('the table is copied into a new file'),
        scans: scanYes('the copy reads every row'),
      };
    case 'AT_SetAccessMethod':
      return {
        mode: ae,
        label: 'SET ACCESS METHOD',
        rewrites: rewriteYes('the table is rewritten'),
        scans: scanYes('the copy reads every row'),
      };
    case 'AT_SetTableSpace':
      return {
        mode: ae,
        label: 'SET TABLESPACE',
        rewrites: rewriteYes('the files are copied to the tablespace'),
        scans: scanYes('every page is copied'),
      };
    case 'AT_SetRelOptions':
      return relOptions(def, 'SET (…)');
    case 'AT_ResetRelOptions':
      return relOptions(def, 'RESET (…)');
    case 'AT_AddInherit':
    case 'AT_DropInherit': {
      const parent = def !== undefined && 'RangeVar' in def ? def.RangeVar : undefined;
      const add = cmd.subtype === 'AT_AddInherit';
      return {
        mode: ae,
        label: add ? 'INHERIT' : 'NO INHERIT',
        others:
          parent === undefined
            ? []
            : [lockOn({ ...parent, inh: false }, add ? sue : 'access share', `${add ? 'INHERIT' : 'NO INHERIT'} (the parent)`)],
        scans: add ? { answer: 'maybe', why: "the parent's CHECK constraints are checked against every row" } : no,
      };
    }
    case 'AT_AttachPartition':
      return partitionCommand(cmd, true);
    case 'AT_DetachPartition':
      return partitionCommand(cmd, false);
    default:
      return { mode: ae, label: (cmd.subtype ?? 'unknown subcommand').replace(/^AT_/, '') };
  }
}

const objectWords: Readonly<Partial<Record<string, string>>> = {
  OBJECT_INDEX: 'ALTER INDEX',
  OBJECT_VIEW: 'ALTER VIEW',
  OBJECT_MATVIEW: 'ALTER MATERIALIZED VIEW',
  OBJECT_FOREIGN_TABLE: 'ALTER FOREIGN TABLE',
  OBJECT_SEQUENCE: 'ALTER SEQUENCE',
};

export function alterTableAnalysis(stmt: AlterTableStmt): StatementAnalysis {
  const kind = objectWords[stmt.objtype ?? ''] ?? 'ALTER TABLE';
  const effects = (stmt.cmds ?? []).flatMap((c) => ('AlterTableCmd' in c ? [subcommandEffect(c.AlterTableCmd)] : []));
  const mode = highestMode(effects.map((e) => e.mode));
  const labels = effects.filter((e) => e.mode === mode).map((e) => e.label);
  const recurses = effects.some((e) => e.recurses !== false);
  const own: StatementLock[] =
    stmt.relation === undefined
      ? []
      : [lockOn({ ...stmt.relation, inh: stmt.relation.inh === true && recurses }, mode, `${kind} … ${[...new Set(labels)].join(', ')}`)];
  return {
    kind,
    locks: mergeLocks([...own, ...effects.flatMap((e) => e.others ?? [])]),
    rewrites: strongestVerdict(effects.map((e) => e.rewrites ?? no)),
    scans: strongestVerdict(effects.map((e) => e.scans ?? no)),
    opaque: false,
    notes: [...new Set(effects.flatMap((e) => e.notes ?? []))],
  };
}
