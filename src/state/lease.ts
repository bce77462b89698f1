// One worker per migration: a session advisory lock held on a reserved connection, plus a heartbeat
// row naming the holder. The lock dies with the worker's connection (even on kill -9), so `status`
// tells a running migration (lock held) from an interrupted one (lock free). When the lease's own
// connection is lost (a heartbeat fails or hangs), the lock may already be someone else's: `lost`
// fires, and the run stops at its next batch or step boundary to take the lease again.
import { hostname } from 'node:os';
import { isConnectionLoss } from '../db/connection-loss.js';
import type { Sql } from '../db/connect.js';
import { LeaseHeldError, type LeaseHolder } from '../errors/index.js';
import { stateTable, type Db, type StateStore } from './state-store.js';

export interface Lease {
  /** Aborted once the lease's connection is gone: the advisory lock is no longer ours for sure. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

const heartbeatMs = 2_000;
/** A heartbeat that has not answered for this long means the connection is gone (a silent network drop). */
const heartbeatTimeoutMs = 30_000;

export async function acquireLease(sql: Sql, store: StateStore, migration: string): Promise<Lease> {
  const conn = await sql.reserve();
  try {
    const [row] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${store.schema}), hashtext(${migration})) as ok`;
    if (row?.ok !== true) throw new LeaseHeldError(migration, await readLeaseHolder(sql, store, migration));
    await conn`
      insert into ${stateTable(conn, store, 'leases')} (migration, host, pid) values (${migration}, ${hostname()}, ${process.pid})
      on conflict (migration) do update set host = excluded.host, pid = excluded.pid, started_at = now(), heartbeat_at = now()`;
  } catch (error) {
    conn.release();
    throw error;
  }
  const lost = new AbortController();
  let beating: Promise<unknown> = Promise.resolve();
  let answeredAt = performance.now();
  const timer = setInterval(() => {
    if (performance.now() - answeredAt > heartbeatTimeoutMs) lost.abort(new Error('the lease heartbeat has not answered'));
    beating = conn`update ${stateTable(conn, store, 'leases')} set heartbeat_at = now() where migration = ${migration}`.then(
      () => (answeredAt = performance.now()),
      (error: unknown) => {
        if (isConnectionLoss(error)) lost.abort(error);
      },
    );
  }, heartbeatMs);
  timer.unref();
  return {
    lost: lost.signal,
    async release() {
      clearInterval(timer);
      // A lost connection cannot release anything: the server ends the lock with the backend.
      if (lost.signal.aborted) {
        conn.release();
        return;
      }
      await beating;
      try {
        await conn`delete from ${stateTable(conn, store, 'leases')} where migration = ${migration}`;
        await conn`select pg_advisory_unlock(hashtext(${store.schema}), hashtext(${migration}))`;
      } finally {
        conn.release();
      }
    },
  };
}

export async function readLeaseHolder(db: Db, store: StateStore, migration: string): Promise<LeaseHolder | undefined> {
  const [row] = await db<{ host: string; pid: number; startedAt: Date; heartbeatAt: Date; heartbeatAge: number }[]>`
    select host, pid, started_at as "startedAt", heartbeat_at as "heartbeatAt",
           extract(epoch from now() - heartbeat_at)::float8 as "heartbeatAge"
    from ${stateTable(db, store, 'leases')} where migration = ${migration}`;
  if (row === undefined) return undefined;
  return {
    host: row.host,
    pid: row.pid,
    startedAt: row.startedAt.toISOString(),
    heartbeatAt: row.heartbeatAt.toISOString(),
    heartbeatAgeSeconds: Math.max(0, row.heartbeatAge),
  };
}

/** Whether the lease row names this very process (a lock still held by one of its own lost backends). */
export function isOwnLease(holder: LeaseHolder | undefined): boolean {
  return holder !== undefined && holder.pid === process.pid && holder.host === hostname();
}

/** Whether some session holds the migration's advisory lock right now. */
export async function isLeaseHeld(db: Db, store: StateStore, migration: string): Promise<boolean> {
  const [row] = await db<{ held: boolean }[]>`
    select exists (
      select 1 from pg_locks
      where locktype = 'advisory' and granted and objsubid = 2
        and database = (select oid from pg_database where datname = current_database())
        and classid = hashtext(${store.schema})::oid and objid = hashtext(${migration})::oid
    ) as held`;
  return row?.held === true;
}
