// One `online migrate` at a time per database and state schema. Two deploys running `migrate` at once
// must never interleave their specs (the per-migration lease only keeps two workers off the same
// migration, not one directory's specs in order), so a run holds a session advisory lock for its whole
// length on a reserved connection. Like the lease, the lock dies with the connection, even on kill -9,
// so there is never a stale lock to clear by hand.
//
// The holder is announced in its session's application_name (`online migrate <pid>@<host>`), which
// pg_stat_activity shows to every role: a waiting run names it without any table, so the lock works
// before the state schema exists and leaves no row behind when its holder dies.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from '../db/connect.js';
import type { StateStore } from '../state/state-store.js';
import { MigrateLockHeldError, MigrateStoppedError, type MigrateLockHolder } from '../errors/index.js';

/** The lock's object name, in the key space of the migration leases; no migration can have this name. */
export const migrateLockName = '(migrate)';

const announcementPrefix = 'online migrate ';
/** application_name keeps at most NAMEDATALEN - 1 bytes. */
const applicationNameBytes = 63;
const pollMs = 250;

export interface MigrateLock {
  release(): Promise<void>;
}

export interface MigrateLockOptions {
  /** false: refuse at once (MigrateLockHeldError, exit 2) when another run holds the lock. */
  readonly wait: boolean;
  /** Aborting while waiting gives up (MigrateStoppedError, exit 3) with nothing changed. */
  readonly signal?: AbortSignal;
  /** Called when the run has to wait, and again whenever the holder changes. */
  readonly onWait?: (holder: MigrateLockHolder) => void;
}

export async function acquireMigrateLock(sql: Sql, store: StateStore, options: MigrateLockOptions): Promise<MigrateLock> {
  const conn = await sql.reserve();
  let held = false;
  const release = async (): Promise<void> => {
    try {
      if (held) await conn`select pg_advisory_unlock(hashtext(${store.schema}), hashtext(${migrateLockName}))`;
      await conn`reset application_name`;
    } finally {
      conn.release();
    }
  };
  try {
    await conn`select set_config('application_name', ${announcement()}, false)`;
    let lastSeen: string | undefined;
    for (;;) {
      held = await tryLock(conn, store);
      if (held) break;
      const holder = await readMigrateLockHolder(conn, store);
      if (!options.wait) throw new MigrateLockHeldError(holder);
      // Undefined: the holder let go between the two queries; the next attempt will tell.
      const seen = JSON.stringify(holder ?? null);
      if (holder !== undefined && seen !== lastSeen) options.onWait?.(holder);
      lastSeen = seen;
      await sleep(pollMs, undefined, { signal: options.signal }).catch(() => undefined);
      if (options.signal?.aborted === true) throw new MigrateStoppedError(undefined);
    }
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
  return { release };
}

/** The run holding the migrate lock of this state schema, if any. */
export async function readMigrateLockHolder(db: Sql, store: StateStore): Promise<MigrateLockHolder | undefined> {
  const [row] = await db<{ backendPid: number; applicationName: string | null }[]>`
    select l.pid as "backendPid", a.application_name as "applicationName"
    from pg_locks l left join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory' and l.granted and l.objsubid = 2
      and l.database = (select oid from pg_database where datname = current_database())
      and l.classid = hashtext(${store.schema})::oid and l.objid = hashtext(${migrateLockName})::oid`;
  if (row === undefined) return undefined;
  const announced = new RegExp(`^${announcementPrefix}(\\d+)@(.*)$`).exec(row.applicationName ?? '');
  return { backendPid: row.backendPid, pid: announced === null ? null : Number(announced[1]), host: announced?.[2] ?? null };
}

async function tryLock(conn: Sql, store: StateStore): Promise<boolean> {
  const [row] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${store.schema}), hashtext(${migrateLockName})) as ok`;
  return row?.ok === true;
}

/** `online migrate <pid>@<host>`, cut to what application_name keeps (the host may be shortened). */
function announcement(): string {
  const chars = Array.from(`${announcementPrefix}${process.pid}@${hostname()}`);
  while (Buffer.byteLength(chars.join('')) > applicationNameBytes) chars.pop();
  return chars.join('');
}
