// A live hazard: something on the server now that will make the migration wait, stall or fail. Plain
// data, with a one-line message that names what to do; the CLI prints it, the run logs it.

/** `blocking`: a step of this migration will wait for it (or fail). `warning`: it slows or risks the run. */
export type HazardSeverity = 'warning' | 'blocking';

export interface OldTransactionDetails {
  readonly pid: number;
  readonly application: string;
  readonly user: string | null;
  /** `active`, `idle in transaction`, …: pg_stat_activity.state. */
  readonly state: string | null;
  readonly ageSeconds: number;
  /** It holds a snapshot (backend_xmin): a concurrent index build waits for it to end. */
  readonly holdsSnapshot: boolean;
  /** Locks it holds on the migration's tables, e.g. `public.tickets ROW EXCLUSIVE`. */
  readonly locksOnTables: readonly string[];
  /** The current (or last) statement, cut short. */
  readonly query: string | null;
}

export interface PreparedTransactionDetails {
  readonly gid: string;
  readonly owner: string;
  readonly ageSeconds: number;
  readonly locksOnTables: readonly string[];
}

export interface ReplicationSlotDetails {
  readonly slot: string;
  readonly slotType: string;
  readonly active: boolean;
  readonly retainedBytes: number;
  /** pg_size_pretty of retainedBytes. */
  readonly retained: string;
  /** pg_replication_slots.wal_status: reserved, extended, unreserved or lost. */
  readonly walStatus: string | null;
}

export interface VacuumDetails {
  readonly pid: number;
  readonly table: string;
  readonly autovacuum: boolean;
  /** An autovacuum to prevent wraparound: it does not give way to our locks. */
  readonly wraparound: boolean;
  readonly ageSeconds: number;
  /** pg_stat_progress_vacuum.phase, e.g. `scanning heap`. */
  readonly phase: string;
  /** Heap blocks scanned of the total, 0–100; null when not known. */
  readonly percentScanned: number | null;
}

export interface TableBloatDetails {
  readonly table: string;
  readonly liveRows: number;
  readonly deadRows: number;
  /** Dead rows over all rows, 0–1. */
  readonly deadFraction: number;
  /** When (auto)vacuum last finished on it, ISO 8601; null: never since statistics were reset. */
  readonly lastVacuum: string | null;
}

export interface DiskHeadroomDetails {
  /** Bytes the migration will write (WAL and new indexes), as the caller forecast it. */
  readonly neededBytes: number;
  readonly needed: string;
  /** Free bytes on the file system of the server's WAL (or data) directory; null when it cannot be seen from here. */
  readonly freeBytes: number | null;
  readonly free: string | null;
  /** The directory measured, or null. */
  readonly directory: string | null;
  /** Its postmaster.pid named this server (false: unreadable, so assumed); null when not measured. */
  readonly verified: boolean | null;
  /** Why the headroom is unknown, when it is. */
  readonly unknownBecause: string | null;
}

export type Hazard =
  | HazardOf<'old-transaction', OldTransactionDetails>
  | HazardOf<'prepared-transaction', PreparedTransactionDetails>
  | HazardOf<'replication-slot', ReplicationSlotDetails>
  | HazardOf<'vacuum', VacuumDetails>
  | HazardOf<'table-bloat', TableBloatDetails>
  | HazardOf<'disk-headroom', DiskHeadroomDetails>;

export type HazardKind = Hazard['kind'];

interface HazardOf<K extends string, D> {
  readonly kind: K;
  readonly severity: HazardSeverity;
  /** One line: what it is, what it will do to the migration, and what to do. */
  readonly message: string;
  readonly details: D;
}

/** `0.4s`, `12s`, `3m 12s`, `2h 5m`, `3d 4h`: an age in its two largest units (tenths under 10 s). */
export function ageText(seconds: number): string {
  if (seconds < 10) return `${Math.max(0, Math.floor(seconds * 10) / 10)}s`;
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3_600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)}h ${Math.floor((s % 3_600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3_600)}h`;
}

/** A statement for a one-line message: whitespace folded, cut at `max` characters. */
export function queryText(query: string | null, max = 80): string {
  const folded = (query ?? '').replace(/\s+/g, ' ').trim();
  return folded.length > max ? `${folded.slice(0, max - 1)}…` : folded;
}
