// Reads the live hazards of a migration (or of the step ahead): each kind in its own query, so a kind
// this role may not read is reported as unread, not as a failure. Hazards warn; nothing here stops a run.
import { errorMessage, type Sql } from '../db/connect.js';
import { readDiskHeadroom } from './disk-headroom.js';
import type { Hazard } from './hazard.js';
import type { HazardLimits, HazardScope } from './hazard-scope.js';
import { readOldTransactions } from './old-transactions.js';
import { readReplicationSlots } from './replication-slots.js';
import { readRunningVacuums } from './running-vacuum.js';
import { readTableBloat } from './table-bloat.js';

/** What a read covers, each reader with the kinds it reports. */
export type HazardRead = 'transactions' | 'replication-slots' | 'vacuum' | 'bloat' | 'disk';

export const allHazardReads: readonly HazardRead[] = ['transactions', 'replication-slots', 'vacuum', 'bloat', 'disk'];

/** Before a lock step or an index build: what makes that step wait (database-scoped, never another database's sessions). */
export const stepHazardReads: readonly HazardRead[] = ['transactions', 'vacuum'];

export interface HazardReport {
  /** Blocking ones first, then by kind in read order. */
  readonly hazards: readonly Hazard[];
  /** Reads that failed (e.g. a privilege missing), with PostgreSQL's reason. */
  readonly unread: readonly { readonly read: HazardRead; readonly reason: string }[];
}

export async function readHazards(
  sql: Sql,
  scope: HazardScope,
  limits: HazardLimits,
  reads: readonly HazardRead[] = allHazardReads,
): Promise<HazardReport> {
  const readers: Record<HazardRead, () => Promise<Hazard[]>> = {
    transactions: () => readOldTransactions(sql, scope, limits),
    'replication-slots': () => readReplicationSlots(sql, limits),
    vacuum: () => readRunningVacuums(sql, scope, limits),
    bloat: () => readTableBloat(sql, scope),
    disk: () => (scope.neededBytes === undefined ? Promise.resolve([]) : readDiskHeadroom(sql, scope.neededBytes)),
  };
  const hazards: Hazard[] = [];
  const unread: { read: HazardRead; reason: string }[] = [];
  for (const read of reads) {
    try {
      hazards.push(...(await readers[read]()));
      if (read === 'transactions' && !(await seesAllSessions(sql))) {
        unread.push({ read, reason: "only this role's own sessions were visible: other roles' need pg_read_all_stats" });
      }
    } catch (error) {
      unread.push({ read, reason: errorMessage(error) });
    }
  }
  const blockingFirst = [...hazards.filter((h) => h.severity === 'blocking'), ...hazards.filter((h) => h.severity !== 'blocking')];
  return { hazards: blockingFirst, unread };
}

/** Without pg_read_all_stats, pg_stat_activity hides other roles' transactions (their xact_start reads null). */
async function seesAllSessions(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ all: boolean }[]>`
    select pg_has_role('pg_read_all_stats', 'member') or (select rolsuper from pg_roles where rolname = current_user) as all`;
  return row?.all === true;
}
