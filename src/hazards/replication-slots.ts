// Replication slots holding WAL back. Every byte a backfill or an index build writes stays on the
// server's disk until each slot's consumer has it: an inactive slot keeps all of it, and a slot already
// past --max-retained-wal holds the backfill until it shrinks. PostgreSQL 13+ says how safe the slot is
// (wal_status); a standby's own reads of it are not ours to judge, so this reads the primary only.
import type { Sql } from '../db/connect.js';
import type { Hazard, ReplicationSlotDetails } from './hazard.js';
import type { HazardLimits } from './hazard-scope.js';

/** An active slot is a hazard from this much retained WAL on (its consumer is behind); an inactive one always is. */
export const activeSlotRetainedBytes = 1024 ** 3;

interface SlotRow {
  slot: string;
  slot_type: string;
  active: boolean;
  retained_bytes: number;
  retained: string;
  wal_status: string | null;
}

export async function readReplicationSlots(sql: Sql, limits: HazardLimits): Promise<Hazard[]> {
  const rows = await sql<SlotRow[]>`
    select slot_name as slot, slot_type, active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 as retained_bytes,
           pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) as retained, wal_status
    from pg_replication_slots
    where restart_lsn is not null and not pg_is_in_recovery()
    order by pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) desc`;
  return rows.flatMap((r) => {
    const hazard = replicationSlotHazard(
      {
        slot: r.slot,
        slotType: r.slot_type,
        active: r.active,
        retainedBytes: r.retained_bytes,
        retained: r.retained,
        walStatus: r.wal_status,
      },
      limits,
    );
    return hazard === undefined ? [] : [hazard];
  });
}

/** Undefined for an active slot whose consumer keeps up. */
export function replicationSlotHazard(d: ReplicationSlotDetails, limits: Pick<HazardLimits, 'maxRetainedWalBytes'>): Hazard | undefined {
  const overLimit = limits.maxRetainedWalBytes !== null && d.retainedBytes > limits.maxRetainedWalBytes;
  if (d.active && !overLimit && d.retainedBytes < activeSlotRetainedBytes) return undefined;
  const slot = `${d.slotType} replication slot ${d.slot} (${d.active ? 'active' : 'inactive'}${d.walStatus === null ? '' : `, wal_status ${d.walStatus}`}) retains ${d.retained} of WAL`;
  const fix = d.active
    ? 'see why its consumer lags (pg_stat_replication)'
    : `drop it if nothing will consume it again (select pg_drop_replication_slot('${d.slot.replaceAll("'", "''")}')), or reconnect its consumer`;
  const effect = overLimit
    ? 'more than --max-retained-wal, so the backfill holds until it shrinks'
    : d.active
      ? 'its consumer is behind, and the WAL the migration writes piles up behind it'
      : 'it keeps all WAL the migration writes on disk';
  return { kind: 'replication-slot', severity: overLimit ? 'blocking' : 'warning', message: `${slot}: ${effect}; ${fix}`, details: d };
}
