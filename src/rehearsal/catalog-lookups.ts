// What the statement analyzer cannot read from a statement's text and the copy's catalog tells: the
// table an index is on (DROP INDEX names the index, locks its table), and a partitioned table's default
// partition (ATTACH PARTITION locks it ACCESS EXCLUSIVE). Indexes the migration built or dropped are
// known from what the trace saw.
import { z } from 'zod';
import type { Sql } from '../db/connect.js';
import type { QualifiedName } from '../sql-text/quote.js';
import { traceSchema } from './trace-schema.js';
import { isPartOfTable, tableOf, tracedRelationSchema, type TracedRelation } from './traced-relation.js';

/** A relation as a statement names it: schema absent when unqualified. */
export interface NamedRelation {
  readonly schema?: string;
  readonly name: string;
}

export interface CatalogLookups {
  indexTable(index: NamedRelation): QualifiedName | undefined;
  defaultPartition(parent: NamedRelation): QualifiedName | undefined;
}

const named = (wanted: NamedRelation, found: QualifiedName): boolean =>
  found.name === wanted.name && (wanted.schema === undefined || found.schema === wanted.schema);

export async function catalogLookups(copy: Sql, seen: readonly TracedRelation[]): Promise<CatalogLookups> {
  const before = z
    .array(z.object({ relation: tracedRelationSchema.nullable() }))
    .parse(await copy.unsafe(`select relation from ${traceSchema}.relations_before where kind in ('i', 'I')`));
  const indexes = [...before.flatMap((r) => (r.relation === null ? [] : [r.relation])), ...seen].filter(
    (r) => isPartOfTable(r) && r.kind !== 't',
  );
  const defaults = z.array(z.object({ parentSchema: z.string(), parent: z.string(), schema: z.string(), name: z.string() })).parse(
    await copy.unsafe(`
        select pn.nspname as "parentSchema", p.relname as parent, dn.nspname as schema, d.relname as name
        from pg_partitioned_table pt
        join pg_class p on p.oid = pt.partrelid join pg_namespace pn on pn.oid = p.relnamespace
        join pg_class d on d.oid = pt.partdefid join pg_namespace dn on dn.oid = d.relnamespace`),
  );
  return {
    indexTable(index) {
      const found = indexes.find((r) => named(index, r));
      return found === undefined ? undefined : tableOf(found);
    },
    defaultPartition(parent) {
      const found = defaults.find((d) => named(parent, { schema: d.parentSchema, name: d.parent }));
      return found === undefined ? undefined : { schema: found.schema, name: found.name };
    },
  };
}
