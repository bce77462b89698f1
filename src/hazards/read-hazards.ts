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
    } catch (error) {
      unread.push({ read, reason: errorMessage(error) });
    }
  }
  const blockingFirst = [...hazards.filter((h) => h.severity === 'blocking'), ...hazards.filter((h) => h.severity !== 'blocking')];
  return { hazards: blockingFirst, unread };
}
