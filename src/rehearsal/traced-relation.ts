// A relation as the trace saw it (trace-schema.ts describe_relation), and pg_locks' mode names read as ours.
import { z } from 'zod';
import { conflictsWith, lockModes, pgLocksMode, type LockMode } from '../db/lock-modes.js';
import { displayName, type QualifiedName } from '../sql-text/quote.js';

const name = z.object({ schema: z.string(), name: z.string() });

export const tracedRelationSchema = z.object({
  schema: z.string(),
  name: z.string(),
  kind: z.string(),
  tableSchema: z.string().nullable(),
  table: z.string().nullable(),
  ancestors: z.array(name),
});

export type TracedRelation = z.infer<typeof tracedRelationSchema>;

/** The table a lock is reported under (an index's or TOAST table's owner, else the relation itself). */
export function tableOf(relation: TracedRelation): QualifiedName {
  return relation.tableSchema !== null && relation.table !== null
    ? { schema: relation.tableSchema, name: relation.table }
    : { schema: relation.schema, name: relation.name };
}

/** An index (or a TOAST table): reported under its table, with its own name. */
export function isPartOfTable(relation: TracedRelation): boolean {
  return relation.kind === 'i' || relation.kind === 'I' || relation.kind === 't';
}

/** The names a forecast may give this relation by: itself, its table, and that table's partition ancestors. */
export function coveringNames(relation: TracedRelation): QualifiedName[] {
  return [{ schema: relation.schema, name: relation.name }, tableOf(relation), ...relation.ancestors];
}

/** `public.tickets`, or `public.tickets (index tickets_pkey)` for an index. */
export function relationLabel(relation: TracedRelation): string {
  const table = displayName(tableOf(relation));
  return isPartOfTable(relation) ? `${table} (${relation.kind === 't' ? 'TOAST' : 'index'} ${relation.name})` : table;
}

const byPgLocksName = new Map<string, LockMode>(lockModes.map((mode) => [pgLocksMode(mode), mode]));

/** `ShareRowExclusiveLock` → `share row exclusive`; undefined for modes of other lock types. */
export function lockModeOf(pgLocksName: string): LockMode | undefined {
  return byPgLocksName.get(pgLocksName);
}

/** Whether the mode blocks ordinary writers (conflicts with ROW EXCLUSIVE). */
export function blocksWriters(mode: LockMode): boolean {
  return conflictsWith('row exclusive').includes(mode);
}
