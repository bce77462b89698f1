// Reads what the copy's event triggers recorded (trace-schema.ts): per DDL statement, the locks it took
// (held at ddl_command_end and not at its ddl_command_start), and each table rewrite.
import { z } from 'zod';
import type { Sql } from '../db/connect.js';
import type { LockMode } from '../db/lock-modes.js';
import { traceSchema } from './trace-schema.js';
import { lockModeOf, tracedRelationSchema, type TracedRelation } from './traced-relation.js';

/** A lock a DDL statement took, seen from inside its transaction. */
export interface TriggerAcquisition {
  readonly pid: number;
  readonly query: string;
  /** Server clock at the statement's end, ms since the epoch. */
  readonly at: number;
  readonly oid: number;
  readonly relation: TracedRelation;
  readonly mode: LockMode;
}

export interface TriggerRewrite {
  readonly pid: number;
  readonly query: string;
  readonly relation: TracedRelation;
  readonly reason: number;
}

export interface TriggerObservations {
  readonly acquisitions: readonly TriggerAcquisition[];
  readonly rewrites: readonly TriggerRewrite[];
  /** DDL statements the triggers saw end (committed ones: a rolled-back attempt's records vanish). */
  readonly statements: number;
}

const heldLock = z.object({
  oid: z.coerce.number(),
  mode: z.string(),
  relation: tracedRelationSchema.nullable(),
  created: z.boolean().nullable(),
});

const observationRow = z.object({
  event: z.string(),
  query: z.string().nullable(),
  pid: z.number(),
  xact: z.string(),
  at: z.coerce.number(),
  locks: z.array(heldLock).nullable(),
  rewrite: z.object({ relation: tracedRelationSchema.nullable(), reason: z.number() }).nullable(),
});

type HeldLock = z.infer<typeof heldLock>;

export async function readTriggerObservations(copy: Sql): Promise<TriggerObservations> {
  const rows = z
    .array(observationRow)
    .parse(
      await copy.unsafe(
        `select event, query, pid, xact_start::text as xact, at, locks, rewrite from ${traceSchema}.observations order by id`,
      ),
    );
  const acquisitions: TriggerAcquisition[] = [];
  const rewrites: TriggerRewrite[] = [];
  const startedBy = new Map<number, { readonly xact: string; readonly query: string; readonly locks: readonly HeldLock[] }>();
  let statements = 0;
  for (const row of rows) {
    const query = row.query ?? '';
    if (row.event === 'ddl_command_start') startedBy.set(row.pid, { xact: row.xact, query, locks: row.locks ?? [] });
    if (row.event === 'table_rewrite' && row.rewrite?.relation != null) {
      rewrites.push({ pid: row.pid, query, relation: row.rewrite.relation, reason: row.rewrite.reason });
    }
    if (row.event !== 'ddl_command_end') continue;
    statements++;
    const start = startedBy.get(row.pid);
    const before = start !== undefined && start.xact === row.xact && start.query === query ? start.locks : [];
    const had = new Set(before.map((l) => `${l.oid}/${l.mode}`));
    for (const lock of row.locks ?? []) {
      const mode = lockModeOf(lock.mode);
      if (had.has(`${lock.oid}/${lock.mode}`) || lock.created === true || lock.relation === null || mode === undefined) continue;
      acquisitions.push({ pid: row.pid, query, at: row.at, oid: lock.oid, relation: lock.relation, mode });
    }
  }
  return { acquisitions, rewrites, statements };
}

/** pg_event_trigger_table_rewrite_reason()'s bits (AT_REWRITE_* in PostgreSQL's event_trigger.h), in words. */
export function rewriteReason(bits: number): string {
  const reasons = [
    [1, 'persistence changed'],
    [2, 'column with a volatile default added'],
    [4, 'column type changed'],
    [8, 'access method changed'],
  ] as const;
  const words = reasons.filter(([bit]) => (bits & bit) !== 0).map(([, word]) => word);
  return words.length > 0 ? words.join(', ') : `reason ${bits}`;
}

/** Tables whose relfilenode changed since tracing began (rewritten, truncated, clustered, VACUUM FULL). */
export async function changedRelfilenodes(copy: Sql): Promise<TracedRelation[]> {
  const rows = z.array(z.object({ relation: tracedRelationSchema.nullable() })).parse(
    await copy.unsafe(`
      select ${traceSchema}.describe_relation(c.oid) as relation
      from ${traceSchema}.relations_before b join pg_class c on c.oid = b.oid
      where b.kind in ('r', 'm') and c.relfilenode <> b.relfilenode and c.relfilenode <> 0`),
  );
  return rows.flatMap((r) => (r.relation === null ? [] : [r.relation]));
}
