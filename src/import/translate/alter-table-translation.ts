// `ALTER TABLE` on an existing table, one subcommand at a time, in order: ADD COLUMN, ALTER COLUMN TYPE,
// SET/DROP NOT NULL, SET/DROP DEFAULT, ADD/DROP/VALIDATE CONSTRAINT, DROP COLUMN. Several subcommands
// become several operations. On a table created earlier in the same migration the statement stays
// as written: the table is empty and unused.
import type { AlterTableCmd, ColumnDef, Node, TypeName } from 'libpg-query';
import type { OperationSpec } from '../../migration-spec/migration-spec.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../../sql-text/quote.js';
import type { StatementTranslation } from '../import-types.js';
import { addConstraint } from './constraint-translation.js';
import { expressionText, typeText, type StatementSource } from './source-text.js';
import { isNewTable, onNewTable, operations, plainSql, refused, relationName, sqlTable, type MigrationScope } from './translation-scope.js';

/** A subcommand's translation, with the SQL of the subcommand alone when it stays SQL and can be written on its own. */
type Piece = StatementTranslation & { readonly text?: string };

const serialTypes = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);
const isSerial = (typeName: TypeName | undefined): boolean => {
  const last = typeName?.names?.at(-1);
  return last !== undefined && 'String' in last && serialTypes.has(last.String.sval ?? '') && typeName?.names?.length === 1;
};

const constraintsOf = (def: ColumnDef): { contype?: string; raw_expr?: Node }[] =>
  (def.constraints ?? []).flatMap((n) => ('Constraint' in n ? [n.Constraint] : []));

async function addColumn(source: StatementSource, table: QualifiedName, def: ColumnDef, ifNotExists: boolean): Promise<Piece> {
  const column = def.colname ?? '';
  if (def.collClause !== undefined || def.storage !== undefined || def.compression !== undefined) {
    return refused(
      'add-column cannot express COLLATE, STORAGE or COMPRESSION on the new column',
      'add the column without it, or as an `op: sql` step',
    );
  }
  if (isSerial(def.typeName)) {
    return refused(
      'a serial column on an existing table fills every row from a sequence: PostgreSQL rewrites the whole table under ACCESS EXCLUSIVE',
      'CREATE SEQUENCE (sql), then add-column with `default: nextval(…)` (a volatile default, which add-column fills in batches)',
    );
  }
  const type = def.typeName === undefined ? undefined : await typeText(source, def.typeName);
  if (type === undefined)
    return refused('the column type could not be read back exactly from the source', 'write the add-column operation by hand');
  const constraints = constraintsOf(def);
  const other = constraints.find((c) => !['CONSTR_NOTNULL', 'CONSTR_NULL', 'CONSTR_DEFAULT'].includes(c.contype ?? ''));
  if (other !== undefined) {
    return refused(
      `add-column cannot also add ${(other.contype ?? '').replace('CONSTR_', '')} in the same step`,
      'add the column in one statement, then the constraint (ADD CONSTRAINT …) or index in another: each becomes its own online operation',
    );
  }
  const notNull = constraints.some((c) => c.contype === 'CONSTR_NOTNULL');
  const defaultNode = constraints.find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr;
  const fallback = defaultNode === undefined ? undefined : await expressionText(source, defaultNode);
  if (defaultNode !== undefined && fallback === undefined) {
    return refused('the DEFAULT expression could not be read back exactly from the source', 'write the add-column operation by hand');
  }
  const maybe = ifNotExists
    ? ' (IF NOT EXISTS: online adds it when it is missing, and pre-flight refuses when a column of that name exists)'
    : '';
  if (!notNull && fallback === undefined) {
    return {
      ...plainSql(
        'expand',
        `a nullable column without a default: catalog only, no rewrite (ACCESS EXCLUSIVE for milliseconds, under lock_timeout)${ifNotExists ? '; IF NOT EXISTS kept, so no rollback (the column may be older)' : ''}`,
        {
          tables: [sqlTable(table)],
          // IF NOT EXISTS: the column may be older than this migration, and rollback must not drop it.
          ...(ifNotExists ? {} : { rollback: [`alter table ${quoteQualified(table)} drop column if exists ${quoteIdent(column)}`] }),
        },
      ),
      text: `alter table ${quoteQualified(table)} add column ${ifNotExists ? 'if not exists ' : ''}${quoteIdent(column)} ${type}`,
    };
  }
  if (notNull && fallback === undefined) {
    return refused(
      'ADD COLUMN … NOT NULL without a DEFAULT fails on a table with rows, and online cannot say what existing rows should hold',
      'give the column a DEFAULT, or add it nullable, fill it (UPDATE → backfill) and SET NOT NULL after',
    );
  }
  return operations(
    [
      {
        op: 'add-column',
        schema: table.schema,
        table: table.name,
        column,
        type,
        ...(fallback === undefined ? {} : { default: fallback }),
        nullable: !notNull,
      },
    ],
    `add-column: the column is added without a rewrite (a volatile default is filled in batches)${notNull ? ', and NOT NULL is set through a validated CHECK' : ''}${maybe}`,
  );
}

async function alterType(source: StatementSource, table: QualifiedName, column: string, def: ColumnDef): Promise<Piece> {
  if (def.collClause !== undefined)
    return refused('change-type cannot express COLLATE', 'change the collation in a separate `op: sql` step');
  const type = def.typeName === undefined ? undefined : await typeText(source, def.typeName);
  const using = def.raw_default === undefined ? undefined : await expressionText(source, def.raw_default);
  if (type === undefined || (def.raw_default !== undefined && using === undefined)) {
    return refused(
      'the type or the USING expression could not be read back exactly from the source',
      'write the change-type operation by hand',
    );
  }
  return operations(
    [{ op: 'change-type', schema: table.schema, table: table.name, column, type, ...(using === undefined ? {} : { using }) }],
    'change-type: a shadow column kept in sync by triggers, filled in batches, and swapped in a short transaction, instead of a rewrite under ACCESS EXCLUSIVE',
  );
}

async function subcommand(source: StatementSource, table: QualifiedName, cmd: AlterTableCmd): Promise<Piece> {
  const t = quoteQualified(table);
  const column = cmd.name ?? '';
  const base = { schema: table.schema, table: table.name, column };
  const catalogOnly = (what: string): string => `${what}: catalog only, no scan (ACCESS EXCLUSIVE for milliseconds, under lock_timeout)`;
  const def = cmd.def;
  switch (cmd.subtype) {
    case 'AT_AddColumn':
      return def !== undefined && 'ColumnDef' in def
        ? addColumn(source, table, def.ColumnDef, cmd.missing_ok === true)
        : refused('unreadable ADD COLUMN', 'write it by hand');
    case 'AT_AlterColumnType':
      return def !== undefined && 'ColumnDef' in def
        ? alterType(source, table, column, def.ColumnDef)
        : refused('unreadable ALTER COLUMN TYPE', 'write it by hand');
    case 'AT_SetNotNull':
      return operations(
        [{ op: 'set-not-null', ...base }],
        'set-not-null: a CHECK (… IS NOT NULL) NOT VALID, validated without blocking writes, then SET NOT NULL without a scan',
      );
    case 'AT_DropNotNull':
      return {
        ...plainSql('expand', catalogOnly('DROP NOT NULL'), { tables: [sqlTable(table)] }),
        text: `alter table ${t} alter column ${quoteIdent(column)} drop not null`,
      };
    case 'AT_ColumnDefault': {
      if (def === undefined) {
        return {
          ...plainSql('contract', catalogOnly('DROP DEFAULT'), { tables: [sqlTable(table)] }),
          text: `alter table ${t} alter column ${quoteIdent(column)} drop default`,
        };
      }
      const expression = await expressionText(source, def);
      if (expression === undefined)
        return refused('the DEFAULT expression could not be read back exactly from the source', 'write it as an `op: sql` step');
      return {
        ...plainSql('expand', catalogOnly('SET DEFAULT (existing rows keep their values)'), { tables: [sqlTable(table)] }),
        text: `alter table ${t} alter column ${quoteIdent(column)} set default ${expression}`,
      };
    }
    case 'AT_AddConstraint':
      return def !== undefined && 'Constraint' in def
        ? addConstraint(source, table, def.Constraint)
        : refused('unreadable ADD CONSTRAINT', 'write it by hand');
    case 'AT_DropConstraint':
      return {
        ...plainSql('contract', catalogOnly('DROP CONSTRAINT'), { tables: [sqlTable(table)] }),
        text: `alter table ${t} drop constraint ${cmd.missing_ok === true ? 'if exists ' : ''}${quoteIdent(column)}${cmd.behavior === 'DROP_CASCADE' ? ' cascade' : ''}`,
      };
    case 'AT_ValidateConstraint':
      return {
        ...plainSql('contract', 'VALIDATE CONSTRAINT scans under SHARE UPDATE EXCLUSIVE: reads and writes continue', {
          tables: [sqlTable(table)],
        }),
        text: `alter table ${t} validate constraint ${quoteIdent(column)}`,
      };
    case 'AT_DropColumn':
      return operations(
        [{ op: 'drop-column', ...base, cascade: cmd.behavior === 'DROP_CASCADE' }],
        `drop-column: contract only (after the application stops using it), pre-flight names what depends on it${cmd.missing_ok === true ? '; IF EXISTS: pre-flight refuses when the column is missing' : ''}`,
      );
    case 'AT_SetTableSpace':
      return refused(
        'SET TABLESPACE copies the whole table under ACCESS EXCLUSIVE: every read and write waits for the copy',
        'move the table outside online, at a quiet time, or with a tool that copies online (pg_repack --tablespace)',
      );
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
      return refused(
        'SET LOGGED / UNLOGGED rewrites the whole table under ACCESS EXCLUSIVE',
        'do it outside online at a quiet time, or create a new table and move the rows in batches',
      );
    default:
      return refused(
        `online has no translation for ALTER TABLE … ${(cmd.subtype ?? '').replace(/^AT_/, '')}, and cannot tell how long it locks the table`,
        'write it as an `op: sql` step yourself if you know it is catalog only, or leave it out',
      );
  }
}

export async function alterTable(source: StatementSource, scope: MigrationScope): Promise<StatementTranslation> {
  const stmt = source.stmt;
  if (!('AlterTableStmt' in stmt)) throw new Error('not an ALTER TABLE');
  const { relation, cmds, objtype, missing_ok: ifExists } = stmt.AlterTableStmt;
  const table = relationName(relation);
  if (objtype !== 'OBJECT_TABLE') {
    // An index or a materialized view is copied whole by these, under ACCESS EXCLUSIVE.
    const copies = (cmds ?? []).find(
      (c) =>
        'AlterTableCmd' in c &&
        ['AT_SetTableSpace', 'AT_SetAccessMethod', 'AT_SetLogged', 'AT_SetUnLogged'].includes(c.AlterTableCmd.subtype ?? ''),
    );
    if (copies !== undefined)
      return refused(
        `ALTER ${(objtype ?? '').replace('OBJECT_', '')} … SET TABLESPACE / ACCESS METHOD / LOGGED copies it whole under ACCESS EXCLUSIVE: every query that uses it waits for the copy`,
        'do it outside online at a quiet time (pg_repack for a table or index), or rebuild an index with create-index and drop-index',
      );
    return plainSql('expand', `ALTER ${(objtype ?? '').replace('OBJECT_', '')} changes no table's data: plain SQL`);
  }
  if (isNewTable(scope, table)) return onNewTable(table);
  if (relation?.inh === false)
    return refused("ALTER TABLE ONLY is not expressible by online's operations", 'drop ONLY, or write it as an `op: sql` step');
  if (ifExists === true)
    return refused(
      "ALTER TABLE IF EXISTS does nothing when the table is missing; online's operations refuse then",
      'drop IF EXISTS from the source',
    );
  const pieces: Piece[] = [];
  for (const cmd of cmds ?? [])
    pieces.push(
      'AlterTableCmd' in cmd ? await subcommand(source, table, cmd.AlterTableCmd) : refused('unreadable subcommand', 'split the statement'),
    );
  const refusal = pieces.find((p) => p.kind === 'refused');
  if (refusal !== undefined) return refusal;
  const only = pieces[0];
  if (pieces.length === 1 && only !== undefined) {
    if (only.kind !== 'sql') return only;
    const { text, ...translation } = only;
    void text; // the whole statement is kept as written
    return translation;
  }
  const ops: OperationSpec[] = [];
  for (const p of pieces) {
    if (p.kind === 'operation') ops.push(...p.operations);
    if (p.kind === 'sql') {
      if (p.text === undefined)
        return refused(
          'one subcommand stays plain SQL but can only be kept as the whole statement',
          'split the ALTER TABLE into one statement per subcommand',
        );
      ops.push({
        op: 'sql',
        phase: p.phase,
        sql: p.text,
        tables: [...(p.tables ?? [])].map((x) => ({ ...x })),
        ...(p.phase === 'expand' && p.rollback !== undefined && p.rollback.length > 0 ? { rollback: [...p.rollback] } : {}),
      });
    }
  }
  const notes = pieces.map((p) =>
    p.kind === 'operation' || p.kind === 'sql' ? (p.kind === 'sql' ? `sql (${p.phase}): ${p.note}` : p.note) : '',
  );
  return { kind: 'operation', operations: ops, note: `${ops.length} subcommands, one operation each, in order`, notes };
}
