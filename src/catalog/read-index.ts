// Reads one index by name: its table, validity, the constraint it backs, and its definition in the
// normalized form used to tell "the index we planned" from "another index with the same name".
import type { Sql } from '../db/connect.js';
import type { QualifiedName } from '../sql-text/quote.js';

export interface IndexState {
  readonly schema: string;
  readonly name: string;
  readonly table: QualifiedName;
  /** false for the leftover of an interrupted or failed CREATE INDEX CONCURRENTLY. */
  readonly valid: boolean;
  readonly unique: boolean;
  /** The constraint (primary key, unique, exclusion) the index backs, if any. */
  readonly constraint: string | null;
  /** A partition's index attached to its parent's partitioned index: that index, `schema.name`. */
  readonly parent: string | null;
  /** See normalizeIndexDefinition. */
  readonly definition: string;
}

/** `CREATE UNIQUE INDEX n ON s.t USING btree (a)` → `UNIQUE USING btree (a)`: without the index and table names. */
export function normalizeIndexDefinition(definition: string, unique: boolean): string {
  const using = definition.indexOf(' USING ');
  return `${unique ? 'UNIQUE ' : ''}${using < 0 ? definition : definition.slice(using + 1)}`;
}

export async function readIndex(sql: Sql, schema: string, name: string): Promise<IndexState | undefined> {
  const [row] = await sql<
    {
      table: string;
      tableSchema: string;
      valid: boolean;
      unique: boolean;
      constraint: string | null;
      parent: string | null;
      definition: string;
    }[]
  >`
    select t.relname as table, tn.nspname as "tableSchema", x.indisvalid as valid, x.indisunique as unique,
           (select conname from pg_constraint where conindid = i.oid and contype in ('p', 'u', 'x') limit 1) as constraint,
           (select h.inhparent::regclass::text from pg_inherits h where h.inhrelid = i.oid) as parent,
           pg_get_indexdef(i.oid) as definition
    from pg_class i
    join pg_namespace n on n.oid = i.relnamespace
    join pg_index x on x.indexrelid = i.oid
    join pg_class t on t.oid = x.indrelid
    join pg_namespace tn on tn.oid = t.relnamespace
    where n.nspname = ${schema} and i.relname = ${name} and i.relkind in ('i', 'I')`;
  if (row === undefined) return undefined;
  return {
    schema,
    name,
    table: { schema: row.tableSchema, name: row.table },
    valid: row.valid,
    unique: row.unique,
    constraint: row.constraint,
    parent: row.parent,
    definition: normalizeIndexDefinition(row.definition, row.unique),
  };
}

/** Whether any relation (table, index, sequence, view…) in the schema already has the name. */
export async function relationExists(sql: Sql, schema: string, name: string): Promise<boolean> {
  const [row] = await sql<{ found: boolean }[]>`
    select exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${schema} and c.relname = ${name}) as found`;
  return row?.found === true;
}
