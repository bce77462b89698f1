// Sequences and tables of the copy, read from the target's catalog: columns with their types,
// collations, defaults, NOT NULL, identity and generation; partitioned tables and their partitions
// (bounds, default partitions, sub-partitioning); inheritance; unlogged tables; storage options.
import type { TransactionSql } from '../db/connect.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../sql-text/quote.js';
import type { CopyStatement } from './schema-copy-statements.js';

export interface CopiedTable extends QualifiedName {
  readonly id: string;
  /** 'r' ordinary (a partition too), 'p' partitioned. */
  readonly kind: 'r' | 'p';
  /** Columns a row copy writes: every column but generated ones. */
  readonly storedColumns: readonly string[];
}

interface SequenceOptions {
  readonly type: string;
  readonly start: string;
  readonly increment: string;
  readonly min: string;
  readonly max: string;
  readonly cache: string;
  readonly cycle: boolean;
}

interface SequenceRow extends QualifiedName, SequenceOptions {
  readonly unlogged: boolean;
  readonly owner: { schema: string; table: string; column: string } | null;
}

function integer(text: string): string {
  if (!/^-?\d+$/.test(text)) throw new Error(`not an integer from the catalog: ${text}`);
  return text;
}

/** CREATE SEQUENCE's options; an identity column's sequence takes its type from the column. */
function sequenceOptions(s: SequenceOptions, withType = true): string {
  return [
    ...(withType ? [`as ${s.type}`] : []),
    `increment by ${integer(s.increment)}`,
    `minvalue ${integer(s.min)}`,
    `maxvalue ${integer(s.max)}`,
    `start with ${integer(s.start)}`,
    `cache ${integer(s.cache)}`,
    s.cycle ? 'cycle' : 'no cycle',
  ].join(' ');
}

const sequenceColumns = `format_type(s.seqtypid, null) as type, s.seqstart::text as start, s.seqincrement::text as increment,
  s.seqmin::text as min, s.seqmax::text as max, s.seqcache::text as cache, s.seqcycle as cycle`;

/** Sequences that are not an identity column's (those come with their column). */
export async function sequenceStatements(
  tx: TransactionSql,
  schemas: readonly string[],
): Promise<{ create: CopyStatement[]; own: CopyStatement[] }> {
  const rows = await tx.unsafe<SequenceRow[]>(
    `select n.nspname as schema, c.relname as name, c.relpersistence = 'u' as unlogged, ${sequenceColumns},
            (select json_build_object('schema', tn.nspname, 'table', t.relname, 'column', a.attname)
               from pg_depend d join pg_class t on t.oid = d.refobjid join pg_namespace tn on tn.oid = t.relnamespace
               join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
              where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.refclassid = 'pg_class'::regclass and d.deptype = 'a'
              limit 1) as owner
       from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_sequence s on s.seqrelid = c.oid
      where c.relkind = 'S' and n.nspname = any($1)
        and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('i', 'e'))
      order by c.oid`,
    [schemas as string[]],
  );
  return {
    create: rows.map((s) => ({
      kind: 'sequence',
      name: displayName(s),
      sql: `create ${s.unlogged ? 'unlogged ' : ''}sequence ${quoteQualified(s)} ${sequenceOptions(s)}`,
    })),
    own: rows.flatMap((s) =>
      s.owner === null
        ? []
        : [
            {
              kind: 'sequence',
              name: displayName(s),
              sql: `alter sequence ${quoteQualified(s)} owned by ${quoteQualified({ schema: s.owner.schema, name: s.owner.table })}.${quoteIdent(s.owner.column)}`,
              counts: false,
            } satisfies CopyStatement,
          ],
    ),
  };
}

/** Where every sequence of the copied schemas stands (an identity column's too), to set the copy's to. */
export async function sequenceValueStatements(tx: TransactionSql, schemas: readonly string[]): Promise<CopyStatement[]> {
  const sequences = await tx<QualifiedName[]>`
    select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind = 'S' and n.nspname = any(${schemas as string[]})
       and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
     order by c.oid`;
  const statements: CopyStatement[] = [];
  for (const sequence of sequences) {
    const [value] = await tx.unsafe<{ last: string; called: boolean }[]>(
      `select last_value::text as last, is_called as called from ${quoteQualified(sequence)}`,
    );
    if (value === undefined) continue;
    statements.push({
      kind: 'sequence value',
      name: displayName(sequence),
      sql: 'select setval($1::regclass, $2::bigint, $3)',
      params: [quoteQualified(sequence), value.last, value.called],
    });
  }
  return statements;
}

interface TableRow extends QualifiedName {
  readonly id: string;
  readonly kind: 'r' | 'p';
  readonly unlogged: boolean;
  readonly options: string[] | null;
  readonly partitionKey: string | null;
  readonly bound: string | null;
  readonly parents: QualifiedName[];
  readonly depth: number;
}

interface ColumnRow {
  readonly table: string;
  readonly name: string;
  readonly type: string;
  readonly collation: string | null;
  readonly notNull: boolean;
  readonly identity: string;
  readonly generated: string;
  readonly default: string | null;
  readonly local: boolean;
  readonly identitySequence: (QualifiedName & SequenceOptions) | null;
}

export async function readTables(
  tx: TransactionSql,
  schemas: readonly string[],
): Promise<{ tables: CopiedTable[]; statements: CopyStatement[] }> {
  const tables = await tx<TableRow[]>`
    with recursive tree(id, depth) as (
      select c.oid, 0 from pg_class c where c.relkind in ('r', 'p') and not c.relispartition
      union all
      select i.inhrelid, t.depth + 1 from pg_inherits i join tree t on t.id = i.inhparent join pg_class c on c.oid = i.inhrelid
       where c.relispartition)
    select c.oid::int8::text as id, n.nspname as schema, c.relname as name, c.relkind::text as kind,
           c.relpersistence = 'u' as unlogged, c.reloptions::text[] as options,
           case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as "partitionKey",
           case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as bound,
           coalesce((select json_agg(json_build_object('schema', pn.nspname, 'name', p.relname) order by i.inhseqno)
                       from pg_inherits i join pg_class p on p.oid = i.inhparent join pg_namespace pn on pn.oid = p.relnamespace
                      where i.inhrelid = c.oid), '[]') as parents,
           coalesce((select max(t.depth) from tree t where t.id = c.oid), 0) as depth
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and c.relpersistence <> 't' and n.nspname = any(${schemas as string[]})
       and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
     order by depth, c.oid`;
  const ids = tables.map((t) => t.id);
  const columns = await tx.unsafe<ColumnRow[]>(
    `select a.attrelid::int8::text as table, a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
            case when a.attcollation <> 0 and a.attcollation <> t.typcollation then a.attcollation::regcollation::text end as collation,
            a.attnotnull as "notNull", a.attidentity::text as identity, a.attgenerated::text as generated,
            pg_get_expr(d.adbin, d.adrelid) as default, a.attislocal as local,
            (select json_build_object('schema', sn.nspname, 'name', sc.relname, 'type', format_type(s.seqtypid, null),
                                      'start', s.seqstart::text, 'increment', s.seqincrement::text, 'min', s.seqmin::text,
                                      'max', s.seqmax::text, 'cache', s.seqcache::text, 'cycle', s.seqcycle)
               from pg_depend dep join pg_class sc on sc.oid = dep.objid join pg_namespace sn on sn.oid = sc.relnamespace
               join pg_sequence s on s.seqrelid = sc.oid
              where a.attidentity <> '' and dep.refclassid = 'pg_class'::regclass and dep.refobjid = a.attrelid
                and dep.refobjsubid = a.attnum and dep.deptype = 'i' and dep.classid = 'pg_class'::regclass
              limit 1) as "identitySequence"
       from pg_attribute a join pg_type t on t.oid = a.atttypid
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = any($1::oid[]) and a.attnum > 0 and not a.attisdropped
      order by a.attrelid, a.attnum`,
    [ids],
  );
  const byTable = new Map<string, ColumnRow[]>();
  for (const column of columns) byTable.set(column.table, [...(byTable.get(column.table) ?? []), column]);
  return {
    tables: tables.map((t) => ({
      id: t.id,
      schema: t.schema,
      name: t.name,
      kind: t.kind,
      storedColumns: (byTable.get(t.id) ?? []).filter((c) => c.generated === '').map((c) => c.name),
    })),
    statements: tables.map((t) => tableStatement(t, byTable.get(t.id) ?? [])),
  };
}

function tableStatement(table: TableRow, columns: readonly ColumnRow[]): CopyStatement {
  const head = `create ${table.unlogged ? 'unlogged ' : ''}table ${quoteQualified(table)}`;
  const partitionBy = table.partitionKey === null ? '' : ` partition by ${table.partitionKey}`;
  const storage = table.options === null || table.options.length === 0 ? '' : ` with (${table.options.join(', ')})`;
  if (table.bound !== null) {
    const [parent] = table.parents;
    if (parent === undefined) throw new Error(`partition ${displayName(table)} has no parent in pg_inherits`);
    return {
      kind: 'partition',
      name: displayName(table),
      sql: `${head} partition of ${quoteQualified(parent)} ${table.bound}${partitionBy}${storage}`,
    };
  }
  const definitions = columns.filter((c) => c.local).map(columnDefinition);
  const inherits = table.parents.length === 0 ? '' : ` inherits (${table.parents.map(quoteQualified).join(', ')})`;
  return { kind: 'table', name: displayName(table), sql: `${head} (${definitions.join(', ')})${inherits}${partitionBy}${storage}` };
}

function columnDefinition(column: ColumnRow): string {
  const parts = [quoteIdent(column.name), column.type];
  if (column.collation !== null) parts.push(`collate ${column.collation}`);
  if (column.generated !== '' && column.default !== null) {
    parts.push(`generated always as (${column.default}) ${column.generated === 'v' ? 'virtual' : 'stored'}`);
  } else if (column.identity !== '') {
    const sequence = column.identitySequence;
    const options = sequence === null ? '' : ` (sequence name ${quoteQualified(sequence)} ${sequenceOptions(sequence, false)})`;
    parts.push(`generated ${column.identity === 'a' ? 'always' : 'by default'} as identity${options}`);
  } else if (column.default !== null) {
    parts.push(`default ${column.default}`);
  }
  if (column.notNull) parts.push('not null');
  return parts.join(' ');
}
