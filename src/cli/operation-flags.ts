// `online start <op> --…`: the operation's spec fields as flags, one to one in kebab-case
// (`columns: [a, b]` is `--columns a,b`; `references.table` is `--references-table`; `nullable: false`
// is `--not-null`). Only the flags given become fields, so each operation's own zod schema says
// which fields it takes and reports the rest.
import { Flags } from '@oclif/core';

const group = 'OPERATION';
const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

export const operationFlags = {
  'migration-name': Flags.string({
    summary: 'Name of the migration (default: derived, e.g. add-column-tickets-priority).',
    helpGroup: group,
  }),
  schema: Flags.string({ summary: 'Schema of the table. [default: public]', helpGroup: group }),
  table: Flags.string({ summary: 'Table to change.', helpGroup: group }),
  column: Flags.string({
    summary: 'Column to add, change, rename or drop (add-column, set-not-null, change-type, rename-column, drop-column).',
    helpGroup: group,
  }),
  type: Flags.string({ summary: 'SQL type of the new column (add-column), or the new type (change-type).', helpGroup: group }),
  default: Flags.string({ summary: 'SQL default expression (add-column), or the new default (change-type).', helpGroup: group }),
  backfill: Flags.string({ summary: 'SQL expression over the row that fills existing rows (add-column, set-not-null).', helpGroup: group }),
  'not-null': Flags.boolean({ summary: 'Make the new column NOT NULL through a validated CHECK (add-column).', helpGroup: group }),
  name: Flags.string({ summary: 'Name of the index or constraint (default: derived); the index to drop (drop-index).', helpGroup: group }),
  columns: Flags.string({
    summary: 'Comma-separated columns (create-index, add-unique, add-foreign-key); "name type, …" for create-table.',
    helpGroup: group,
  }),
  expression: Flags.string({
    summary: 'An index key expression, e.g. "lower(email)"; repeatable (create-index).',
    helpGroup: group,
    multiple: true,
  }),
  unique: Flags.boolean({ summary: 'A unique index (create-index).', helpGroup: group }),
  using: Flags.string({
    summary:
      'Index method: btree, hash, gin, gist, brin or spgist (create-index); SQL expression over the row giving the new value (change-type).',
    helpGroup: group,
  }),
  include: Flags.string({ summary: 'Comma-separated INCLUDE columns (create-index).', helpGroup: group }),
  where: Flags.string({ summary: 'Predicate of a partial index (create-index); which rows need work (backfill).', helpGroup: group }),
  check: Flags.string({ summary: 'Boolean SQL expression over the row, e.g. "amount >= 0" (add-check).', helpGroup: group }),
  'references-schema': Flags.string({ summary: 'Schema of the referenced table (add-foreign-key). [default: public]', helpGroup: group }),
  'references-table': Flags.string({ summary: 'Referenced table (add-foreign-key).', helpGroup: group }),
  'references-columns': Flags.string({ summary: 'Comma-separated referenced columns (add-foreign-key).', helpGroup: group }),
  'on-delete': Flags.string({ summary: 'no action, restrict, cascade, set null or set default (add-foreign-key).', helpGroup: group }),
  'on-update': Flags.string({ summary: 'no action, restrict, cascade, set null or set default (add-foreign-key).', helpGroup: group }),
  to: Flags.string({ summary: 'The new name (rename-column).', helpGroup: group }),
  instant: Flags.boolean({
    summary:
      'rename-column with a plain RENAME in contract: every query, ORM model or function still using the old name fails from that moment.',
    helpGroup: group,
  }),
  cascade: Flags.boolean({
    summary: 'Also drop the views, constraints and foreign keys that depend on it (drop-column, drop-table).',
    helpGroup: group,
  }),
  'primary-key': Flags.string({ summary: 'Comma-separated primary key columns (create-table).', helpGroup: group }),
  set: Flags.string({ summary: 'column=SQL expression over the row; repeatable (backfill).', helpGroup: group, multiple: true }),
  verify: Flags.string({ summary: 'A SELECT that must return no rows before complete (backfill).', helpGroup: group }),
  phase: Flags.string({ summary: 'expand or contract: when the SQL runs (sql).', helpGroup: group }),
  sql: Flags.string({
    summary: 'A SQL statement; repeatable, run in order in one transaction under lock_timeout (sql).',
    helpGroup: group,
    multiple: true,
  }),
  rollback: Flags.string({ summary: 'SQL that undoes an expand-phase sql; repeatable (sql).', helpGroup: group, multiple: true }),
};

export interface OperationFlagValues {
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
  readonly type?: string;
  readonly default?: string;
  readonly backfill?: string;
  readonly 'not-null'?: boolean;
  readonly name?: string;
  readonly columns?: string;
  readonly expression?: string[];
  readonly unique?: boolean;
  readonly using?: string;
  readonly include?: string;
  readonly where?: string;
  readonly check?: string;
  readonly 'references-schema'?: string;
  readonly 'references-table'?: string;
  readonly 'references-columns'?: string;
  readonly 'on-delete'?: string;
  readonly 'on-update'?: string;
  readonly to?: string;
  readonly instant?: boolean;
  readonly cascade?: boolean;
  readonly 'primary-key'?: string;
  readonly set?: string[];
  readonly verify?: string;
  readonly phase?: string;
  readonly sql?: string[];
  readonly rollback?: string[];
}

/** The operation object the flags describe; unknown combinations are left to the spec's validation. */
export function operationFromFlags(op: string, f: OperationFlagValues): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    op,
    schema: f.schema,
    table: f.table,
    column: f.column,
    type: f.type,
    default: f.default,
    backfill: f.backfill,
    nullable: f['not-null'] === true ? false : undefined,
    name: f.name,
    columns: f.columns === undefined ? undefined : op === 'create-table' ? columnDefinitions(f.columns) : list(f.columns),
    expressions: f.expression,
    unique: f.unique === true ? true : undefined,
    using: f.using,
    include: f.include === undefined ? undefined : list(f.include),
    where: f.where,
    check: f.check,
    references:
      f['references-table'] === undefined && f['references-columns'] === undefined && f['references-schema'] === undefined
        ? undefined
        : {
            schema: f['references-schema'],
            table: f['references-table'],
            columns: f['references-columns'] === undefined ? undefined : list(f['references-columns']),
          },
    onDelete: f['on-delete'],
    onUpdate: f['on-update'],
    to: f.to,
    instant: f.instant === true ? true : undefined,
    cascade: f.cascade === true ? true : undefined,
    primaryKey: f['primary-key'] === undefined ? undefined : list(f['primary-key']),
    set: f.set === undefined ? undefined : assignments(f.set),
    verify: f.verify,
    phase: f.phase,
    sql: f.sql,
    rollback: f.rollback,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** `id bigint, amount numeric(10,2)` → `[{name: 'id', type: 'bigint'}, …]`: commas inside parentheses stay. */
export function columnDefinitions(text: string): { name: string; type: string }[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === ',' && depth === 0) {
      items.push(current);
      current = '';
      continue;
    }
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    current += ch;
  }
  items.push(current);
  return items
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const space = item.search(/\s/);
      return space < 0 ? { name: item, type: '' } : { name: item.slice(0, space), type: item.slice(space).trim() };
    });
}

/** `--set status=upper(status)` → `{ status: 'upper(status)' }`: split at the first `=`. */
export function assignments(items: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    items.map((item) => {
      const eq = item.indexOf('=');
      return eq < 0 ? [item.trim(), ''] : [item.slice(0, eq).trim(), item.slice(eq + 1).trim()];
    }),
  );
}

/** `operations[0].references.table: required` reads as `--references-table: required`. */
export function flagPath(issue: string): string {
  return issue
    .replace(/^operations\[0\]\.nullable/, '--not-null')
    .replace(/^operations\[0\]\.set\.(\w+)/, '--set $1')
    .replace(/^operations\[0\]\.expressions/, '--expression')
    .replace(
      /^operations\[0\]\.(\w+)(?:\.(\w+))?(?:\[\d+\])?/,
      (_, field: string, sub: string | undefined) => `--${kebab(field)}${sub === undefined ? '' : `-${kebab(sub)}`}`,
    )
    .replace(
      /^operations\[0\]: unknown fields? (.*)$/,
      (_, keys: string) =>
        `not a flag of this operation: ${keys.replace(/"(\w+)"/g, (__, k: string) => `--${k === 'nullable' ? 'not-null' : kebab(k)}`)}`,
    )
    .replace(/^name:/, '--migration-name:');
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
