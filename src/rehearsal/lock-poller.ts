// Samples, from a connection of its own, the relation locks the migration's sessions hold and wait for
// (pg_locks joined to pg_stat_activity), every few milliseconds. It sees what event triggers cannot:
// LOCK TABLE, DML (backfill batches), concurrent index builds, attempts that were rolled back, and how
// long each lock stayed. A lock held for less than one interval may be missed; event triggers give those.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Sql } from '../db/connect.js';
import type { LockMode } from '../db/lock-modes.js';
import { traceSchema } from './trace-schema.js';
import { lockModeOf, tracedRelationSchema, type TracedRelation } from './traced-relation.js';

/** The application_name our own rehearsal sessions use: never sampled as the migration's. */
export const rehearsalApplicationPrefix = 'online rehearsal';

/**
 * One lock of one transaction, held (granted) or waited for, from its first to its last sample. A
 * sample that misses it does not end it: a transaction keeps its locks to its end.
 */
export interface LockHolding {
  readonly pid: number;
  /** Its transaction's start: two transactions back to back are two holdings. */
  readonly xactStart: string;
  readonly oid: number;
  readonly relation: TracedRelation;
  readonly mode: LockMode;
  readonly granted: boolean;
  /** Server clock, ms since the epoch. */
  readonly firstSeen: number;
  lastSeen: number;
  /** The statement the session was running when the lock was first seen. */
  readonly firstQuery: string;
}

const sampleRow = z.object({
  pid: z.number(),
  xact: z.string(),
  oid: z.coerce.number(),
  mode: z.string(),
  granted: z.boolean(),
  query: z.string().nullable(),
  at: z.coerce.number(),
  relation: tracedRelationSchema.nullable(),
});

export interface LockPoller {
  /** Stops sampling and returns every holding seen, in order of first sight. */
  stop(): Promise<LockHolding[]>;
  readonly intervalMs: number;
}

/**
 * Starts sampling the sessions whose application_name starts with `online` (what src/db/connect.ts
 * sets) and is not one of the rehearsal's own. Relations not visible to this connection (created by an
 * uncommitted transaction: no one else can use them yet) are left out.
 */
export function startLockPoller(copy: Sql, intervalMs = 5): LockPoller {
  const open = new Map<string, LockHolding>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const rows = z.array(sampleRow).parse(
        await copy.unsafe(`
          select l.pid, coalesce(a.xact_start::text, '') as xact, l.relation as oid, l.mode, l.granted, a.query,
                 extract(epoch from clock_timestamp()) * 1000 as at, ${traceSchema}.describe_relation(l.relation) as relation
          from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'relation' and l.relation >= 16384 and l.pid <> pg_backend_pid()
            and l.database = (select oid from pg_database where datname = current_database())
            and a.application_name like 'online%' and a.application_name not like '${rehearsalApplicationPrefix}%'`),
      );
      for (const row of rows) {
        const mode = lockModeOf(row.mode);
        if (row.relation === null || mode === undefined || row.relation.schema === traceSchema) continue;
        const key = `${row.pid}/${row.xact}/${row.oid}/${row.mode}/${row.granted}`;
        const holding = open.get(key);
        if (holding !== undefined) holding.lastSeen = row.at;
        else {
          open.set(key, {
            pid: row.pid,
            xactStart: row.xact,
            oid: row.oid,
            relation: row.relation,
            mode,
            granted: row.granted,
            firstSeen: row.at,
            lastSeen: row.at,
            firstQuery: row.query ?? '',
          });
        }
      }
      await sleep(intervalMs);
    }
  })();
  return {
    intervalMs,
    async stop() {
      stopped = true;
      await loop;
      return [...open.values()].sort((a, b) => a.firstSeen - b.firstSeen);
    },
  };
}
