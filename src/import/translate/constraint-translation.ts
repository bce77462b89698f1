// `ALTER TABLE … ADD [CONSTRAINT n] FOREIGN KEY | CHECK | UNIQUE | PRIMARY KEY` on an existing table:
// the operations that add it without a long lock (NOT VALID then VALIDATE, or a unique index built
// concurrently then USING INDEX), with every clause kept exactly, or a refusal naming the clause no
// operation can express. A constraint added NOT VALID is already safe (catalog only) and stays SQL.
import type { Constraint, Node } from 'libpg-query';
import type { QualifiedName } from '../../sql-text/quote.js';
import type { StatementTranslation } from '../import-types.js';
import { expressionText, type StatementSource } from './source-text.js';
import { operations, plainSql, postgresDefaultName, refused, relationName, sqlTable } from './translation-scope.js';

export const actions: Readonly<Record<string, 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default'>> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

export const names = (list: readonly Node[] | undefined): string[] => (list ?? []).map((n) => ('String' in n ? (n.String.sval ?? '') : ''));

const unnameable = (what: string): StatementTranslation =>
  refused(
    `the ${what} has no name, and the name PostgreSQL would give it is longer than 63 bytes (PostgreSQL truncates it by rules online does not copy)`,
    'name the constraint in the source: ADD CONSTRAINT <name> …',
  );

/** Clauses no add-* operation can express; each is a refusal rather than something silently dropped. */
export function inexpressible(c: Constraint): string | undefined {
  if (c.deferrable === true || c.initdeferred === true) return 'DEFERRABLE';
  if (c.is_enforced === false) return 'NOT ENFORCED';
  if (c.is_no_inherit === true) return 'NO INHERIT';
  if ((c.options ?? []).length > 0) return 'WITH (…) storage parameters';
  if (c.indexspace !== undefined) return 'USING INDEX TABLESPACE';
  if ((c.including ?? []).length > 0) return 'INCLUDE';
  if (c.nulls_not_distinct === true) return 'NULLS NOT DISTINCT';
  if (c.without_overlaps === true || c.fk_with_period === true) return 'WITHOUT OVERLAPS / PERIOD';
  if ((c.fk_del_set_cols ?? []).length > 0) return 'ON DELETE SET NULL/DEFAULT (columns)';
  if (c.contype === 'CONSTR_FOREIGN' && c.fk_matchtype !== undefined && c.fk_matchtype !== 's') return 'MATCH FULL / MATCH PARTIAL';
  return undefined;
}

export async function addConstraint(source: StatementSource, table: QualifiedName, c: Constraint): Promise<StatementTranslation> {
  const clause = inexpressible(c);
  if (clause !== undefined) {
    return refused(
      `online's constraint operations cannot express ${clause}, and dropping it would change the constraint`,
      'write this constraint as an `op: sql` step yourself (ADD CONSTRAINT … NOT VALID in expand, VALIDATE CONSTRAINT in contract), or drop the clause in the source',
    );
  }
  const base = { schema: table.schema, table: table.name };
  if (c.skip_validation === true && (c.contype === 'CONSTR_FOREIGN' || c.contype === 'CONSTR_CHECK')) {
    return plainSql(
      'expand',
      'NOT VALID: catalog only, no scan (ACCESS EXCLUSIVE for milliseconds, under lock_timeout); kept as plain SQL',
      {
        tables: [sqlTable(table), ...(c.pktable === undefined ? [] : [sqlTable(relationName(c.pktable))])],
      },
    );
  }
  switch (c.contype) {
    case 'CONSTR_FOREIGN': {
      const columns = names(c.fk_attrs);
      const referenced = relationName(c.pktable);
      const referencedColumns = names(c.pk_attrs);
      if (referencedColumns.length === 0) {
        return refused(
          'the foreign key does not name the referenced columns (it means the primary key, which only the catalog knows)',
          'name the referenced columns: REFERENCES t (id)',
        );
      }
      const name = c.conname ?? postgresDefaultName(table.name, columns, 'fkey');
      if (name === undefined) return unnameable('foreign key');
      const onDelete = c.fk_del_action === undefined || c.fk_del_action === 'a' ? undefined : actions[c.fk_del_action];
      const onUpdate = c.fk_upd_action === undefined || c.fk_upd_action === 'a' ? undefined : actions[c.fk_upd_action];
      return operations(
        [
          {
            op: 'add-foreign-key',
            ...base,
            name,
            columns,
            references: { schema: referenced.schema, table: referenced.name, columns: referencedColumns },
            ...(onDelete === undefined ? {} : { onDelete }),
            ...(onUpdate === undefined ? {} : { onUpdate }),
          },
        ],
        'add-foreign-key: NOT VALID (milliseconds), then VALIDATE in contract, which lets reads and writes continue during the scan',
      );
    }
    case 'CONSTR_CHECK': {
      const check = c.raw_expr === undefined ? undefined : await expressionText(source, c.raw_expr);
      if (check === undefined)
        return refused('the CHECK expression could not be read back exactly from the source', 'write it as an add-check operation by hand');
      const columns = new Set<string>();
      JSON.stringify(c.raw_expr, (key, value: unknown) => {
        if (key === 'ColumnRef') {
          // The column, however qualified ("t"."c", as drizzle-kit writes it, names column c of t too).
          const column = names((value as { fields?: Node[] }).fields).at(-1);
          if (column !== undefined && column !== '') columns.add(column);
        }
        return value;
      });
      // PostgreSQL names an unnamed CHECK after its column when it uses exactly one.
      const name = c.conname ?? postgresDefaultName(table.name, columns.size === 1 ? [...columns] : [], 'check');
      if (name === undefined) return unnameable('CHECK');
      return operations(
        [{ op: 'add-check', ...base, name, check }],
        'add-check: NOT VALID (milliseconds, no scan), then VALIDATE in contract, which lets reads and writes continue during the scan',
      );
    }
    case 'CONSTR_UNIQUE': {
      if (c.indexname !== undefined) {
        return plainSql(
          'expand',
          'UNIQUE USING INDEX an existing index: catalog only (ACCESS EXCLUSIVE for milliseconds, under lock_timeout)',
          {
            tables: [sqlTable(table)],
          },
        );
      }
      const columns = names(c.keys);
      const name = c.conname ?? postgresDefaultName(table.name, columns, 'key');
      if (name === undefined) return unnameable('unique constraint');
      return operations(
        [{ op: 'add-unique', ...base, name, columns }],
        'add-unique: the unique index is built concurrently, then attached with ADD CONSTRAINT … USING INDEX (milliseconds)',
      );
    }
    case 'CONSTR_PRIMARY':
      return refused(
        'ADD PRIMARY KEY builds its index under ACCESS EXCLUSIVE (every read and write waits for the whole build), and no online operation adds a primary key',
        'build a unique index with create-index (unique: true) on NOT NULL columns (set-not-null), then add `ALTER TABLE … ADD CONSTRAINT <name> PRIMARY KEY USING INDEX <index>` as an `op: sql` step',
      );
    default:
      return refused(
        `online has no operation for this constraint (${(c.contype ?? '').replace('CONSTR_', '').toLowerCase()}), and adding it scans or builds under a strong lock`,
        'write it as an `op: sql` step yourself if the table is small, or leave it out',
      );
  }
}
