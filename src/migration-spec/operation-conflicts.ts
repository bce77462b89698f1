// Operations of one spec that contradict each other. Every operation is pre-flighted against the
// catalog as it is before the spec runs, and their steps interleave (all expand steps, all backfills,
// all contract steps), so two operations on one column can each pass pre-flight and still clash: the
// second `add column if not exists` silently does nothing, a type change drops the index another
// operation just built, two backfills of one column never both finish.
//
// The rule, per column:
//   - a column is added (add-column, or the target of a rename) by one operation at most;
//   - a column that is renamed, retyped or dropped is touched by no other operation of the spec;
//   - a column is backfilled by one operation at most, and made NOT NULL by one at most.
// Legitimately together: indexes and constraints on one column (and a NOT NULL or a backfill with
// them), a backfill then NOT NULL (the backfill runs before contract validates), and an added column
// with an index on it (pre-flight decides whether the index can be planned yet).
// Per name: one index name per schema (create-index, add-unique, drop-index), one constraint name per
// table (add-check, add-foreign-key, add-unique). Per table: a table created or dropped is the
// subject of no other operation. `sql` operations are opaque and never conflict.
// Whatever is refused here fits in two specs applied in order (`online migrate`).
import { checkName } from '../operations/add-check.js';
import { foreignKeyName } from '../operations/add-foreign-key.js';
import { uniqueName } from '../operations/add-unique.js';
import { indexName } from '../operations/create-index.js';
import type { OperationSpec } from './migration-spec.js';

type ColumnUse = 'add' | 'rename' | 'retype' | 'drop' | 'not-null' | 'backfill' | 'index';

/** What an operation does to `what` (`column public.t.c`, or `it`). */
const does: Readonly<Record<ColumnUse, (what: string) => string>> = {
  add: (what) => `adds ${what}`,
  rename: (what) => `renames ${what}`,
  retype: (what) => `changes the type of ${what}`,
  drop: (what) => `drops ${what}`,
  'not-null': (what) => `makes ${what} NOT NULL`,
  backfill: (what) => `backfills ${what}`,
  index: (what) => `indexes or constrains ${what}`,
};

/** Whether two uses of one column by different operations contradict each other (see the rule above). */
function clash(a: ColumnUse, b: ColumnUse): boolean {
  const replaces = (u: ColumnUse): boolean => u === 'rename' || u === 'retype' || u === 'drop';
  if (replaces(a) || replaces(b)) return true;
  return a === b && a !== 'index';
}

interface Claims {
  readonly columns: readonly { readonly column: string; readonly use: ColumnUse }[];
  /** `index schema.name` or `constraint name on schema.table`. */
  readonly names: readonly string[];
  readonly table: { readonly name: string; readonly use: 'creates' | 'drops' | 'changes' } | undefined;
}

const tableOf = (schema: string, table: string): string => `${schema}.${table}`;

function claimsOf(op: OperationSpec): Claims {
  if (op.op === 'sql') return { columns: [], names: [], table: undefined };
  const table = tableOf(op.schema, op.table);
  const on = (use: ColumnUse, ...columns: readonly string[]): Claims['columns'] => columns.map((c) => ({ column: `${table}.${c}`, use }));
  const index = (name: string): string => `index ${op.schema}.${name}`;
  const constraint = (name: string): string => `constraint ${name} on ${table}`;
  const changes = { name: table, use: 'changes' as const };
  switch (op.op) {
    case 'add-column':
      return { columns: on('add', op.column), names: [], table: changes };
    case 'rename-column':
      return { columns: [...on('rename', op.column), ...on('add', op.to)], names: [], table: changes };
    case 'change-type':
      return { columns: on('retype', op.column), names: [], table: changes };
    case 'drop-column':
      return { columns: on('drop', op.column), names: [], table: changes };
    case 'set-not-null':
      return { columns: on('not-null', op.column), names: [], table: changes };
    case 'backfill':
      return { columns: on('backfill', ...Object.keys(op.set)), names: [], table: changes };
    case 'create-index':
      return { columns: on('index', ...op.columns, ...op.include), names: [index(indexName(op))], table: changes };
    case 'add-unique':
      return { columns: on('index', ...op.columns), names: [index(uniqueName(op)), constraint(uniqueName(op))], table: changes };
    case 'add-foreign-key': {
      const referenced = tableOf(op.references.schema, op.references.table);
      const columns = [
        ...on('index', ...op.columns),
        ...op.references.columns.map((c) => ({ column: `${referenced}.${c}`, use: 'index' as const })),
      ];
      return { columns, names: [constraint(foreignKeyName(op))], table: changes };
    }
    case 'add-check':
      return { columns: [], names: [constraint(checkName(op))], table: changes };
    case 'drop-index':
      return { columns: [], names: [index(op.name)], table: changes };
    case 'create-table':
      return { columns: [], names: [], table: { name: table, use: 'creates' } };
    case 'drop-table':
      return { columns: [], names: [], table: { name: table, use: 'drops' } };
    case 'create-partition':
    case 'attach-partition':
    case 'detach-partition':
      return { columns: [], names: [`partition ${op.schema}.${op.partition}`], table: changes };
  }
}

/** A conflict: `later` (an index into operations) contradicts `earlier`, and why. */
export interface OperationConflict {
  readonly earlier: number;
  readonly later: number;
  readonly reason: string;
}

/** Every pair of operations that contradict each other, each reported once, on the later one. */
export function operationConflicts(operations: readonly OperationSpec[]): OperationConflict[] {
  const claims = operations.map(claimsOf);
  const conflicts: OperationConflict[] = [];
  for (let later = 0; later < claims.length; later++) {
    for (let earlier = 0; earlier < later; earlier++) {
      const reason = conflictBetween(operations, claims, earlier, later);
      if (reason !== undefined) {
        conflicts.push({ earlier, later, reason });
        break;
      }
    }
  }
  return conflicts;
}

function conflictBetween(
  operations: readonly OperationSpec[],
  claims: readonly Claims[],
  earlier: number,
  later: number,
): string | undefined {
  const a = claims[earlier];
  const b = claims[later];
  const opA = operations[earlier]?.op;
  const opB = operations[later]?.op;
  if (a === undefined || b === undefined) return undefined;
  for (const x of a.columns) {
    const y = b.columns.find((c) => c.column === x.column && clash(x.use, c.use));
    if (y !== undefined)
      return `${opA} ${does[x.use](`column ${x.column}`)}, and ${opB} ${x.use === y.use ? 'also ' : ''}${does[y.use]('it')}; put them in separate specs`;
  }
  const name = a.names.find((n) => b.names.includes(n));
  if (name !== undefined) return `both name the ${name}; give one of them another name`;
  if (
    a.table !== undefined &&
    b.table !== undefined &&
    a.table.name === b.table.name &&
    (a.table.use !== 'changes' || b.table.use !== 'changes')
  ) {
    return `${opA} ${a.table.use} table ${a.table.name}, and ${opB} ${a.table.use === b.table.use ? 'also ' : ''}${b.table.use} it; put them in separate specs`;
  }
  return undefined;
}
