// Transactions and snapshots older than --hazard-age in this database (client sessions and prepared
// transactions), with the locks they hold on the migration's tables. A lock step queues behind a lock
// holder (and fails once its retries run out); CREATE INDEX CONCURRENTLY waits for every transaction
// holding an older snapshot and every lock holder on its table; and while any of them lasts, vacuum
// cannot remove the dead rows a backfill leaves. Our own sessions, autovacuum and VACUUM (a hazard of its
// own, running-vacuum.ts) are not counted here.
import { maskQuerySecrets } from '../db/mask-secrets.js';
import { onlineApplicationName, type Sql } from '../db/connect.js';
import { ageText, queryText, type Hazard, type OldTransactionDetails, type PreparedTransactionDetails } from './hazard.js';
import type { HazardLimits, HazardScope } from './hazard-scope.js';
import { scopeRelations } from './scope-relations.js';

interface SessionRow {
  pid: number;
  application: string;
  user: string | null;
  state: string | null;
  age: number;
  holds_snapshot: boolean;
  locks: string[];
  query: string | null;
}

interface PreparedRow {
  gid: string;
  owner: string;
  age: number;
  locks: string[];
}

export async function readOldTransactions(sql: Sql, scope: HazardScope, limits: HazardLimits): Promise<Hazard[]> {
  const tables = [...scope.tables];
  const seconds = limits.ageMs / 1000;
  const sessions = await sql<SessionRow[]>`
    select a.pid, coalesce(a.application_name, '') as application, a.usename as user, a.state,
           extract(epoch from now() - a.xact_start)::float8 as age, a.backend_xmin is not null as holds_snapshot,
           array(select format('%I.%I', n.nspname, c.relname) || ' ' || l.mode
                   from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
                  where l.pid = a.pid and l.granted and l.locktype = 'relation'
                    and l.relation in ${scopeRelations(sql, tables)}
                  order by 1) as locks,
           left(a.query, 500) as query
    from pg_stat_activity a
    where a.datname = current_database() and a.backend_type = 'client backend' and a.pid <> pg_backend_pid()
      and a.xact_start < now() - make_interval(secs => ${seconds}::float8)
      and a.pid not in (select v.pid from pg_stat_progress_vacuum v)
      and a.application_name <> ${onlineApplicationName} and a.application_name not like ${`${onlineApplicationName} migrate %`}
    order by a.xact_start`;
  const prepared = await sql<PreparedRow[]>`
    select p.gid, p.owner, extract(epoch from now() - p.prepared)::float8 as age,
           array(select format('%I.%I', n.nspname, c.relname) || ' ' || l.mode
                   from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
                  where l.pid is null and l.locktype = 'relation'
                    and l.virtualtransaction in (select x.virtualtransaction from pg_locks x
                                                  where x.locktype = 'transactionid' and x.transactionid = p.transaction)
                    and l.relation in ${scopeRelations(sql, tables)}
                  order by 1) as locks
    from pg_prepared_xacts p
    where p.database = current_database() and p.prepared < now() - make_interval(secs => ${seconds}::float8)
    order by p.prepared`;
  return [
    ...sessions.map((r) =>
      oldTransactionHazard(
        {
          pid: r.pid,
          application: r.application,
          user: r.user,
          state: r.state,
          ageSeconds: r.age,
          holdsSnapshot: r.holds_snapshot,
          locksOnTables: r.locks.map(lockText),
          query: r.query === null ? null : maskQuerySecrets(r.query),
        },
        scope,
      ),
    ),
    ...prepared.map((r) =>
      preparedTransactionHazard({ gid: r.gid, owner: r.owner, ageSeconds: r.age, locksOnTables: r.locks.map(lockText) }),
    ),
  ];
}

/** `public.t RowExclusiveLock` → `public.t ROW EXCLUSIVE`. */
export function lockText(lock: string): string {
  return lock.replace(/ (\w+)Lock$/, (_, mode: string) => ` ${mode.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()}`);
}

export function oldTransactionHazard(d: OldTransactionDetails, scope: Pick<HazardScope, 'buildsIndex'>): Hazard {
  const who = `pid ${d.pid} (${d.application === '' ? 'no application_name' : d.application}${d.state === null ? '' : `, ${d.state}`})`;
  const end =
    d.state === 'active'
      ? `let it finish, or cancel it: select pg_cancel_backend(${d.pid})`
      : `end it (commit or roll back), or: select pg_terminate_backend(${d.pid})`;
  const query = d.query === null || d.query === '' ? '' : `; query: ${queryText(d.query)}`;
  const open = `${who} has had a transaction open for ${ageText(d.ageSeconds)}`;
  if (d.locksOnTables.length > 0) {
    return {
      kind: 'old-transaction',
      severity: 'blocking',
      message: `${open} holding ${d.locksOnTables.join(', ')}: lock steps queue behind it (and fail when their retries run out), index builds wait for it; ${end}${query}`,
      details: d,
    };
  }
  if (d.holdsSnapshot && scope.buildsIndex) {
    return {
      kind: 'old-transaction',
      severity: 'blocking',
      message: `${open} with a snapshot: CREATE INDEX CONCURRENTLY waits until it ends; ${end}${query}`,
      details: d,
    };
  }
  return {
    kind: 'old-transaction',
    severity: 'warning',
    message: `${open}: while it lasts vacuum cannot remove the dead rows the migration leaves (bloat); ${end}${query}`,
    details: d,
  };
}

export function preparedTransactionHazard(d: PreparedTransactionDetails): Hazard {
  const open = `prepared transaction '${d.gid}' (owner ${d.owner}) has waited ${ageText(d.ageSeconds)} for COMMIT PREPARED`;
  const end = `finish it: commit prepared '${d.gid}' or rollback prepared '${d.gid}' (a prepared transaction outlives sessions and restarts)`;
  return d.locksOnTables.length > 0
    ? {
        kind: 'prepared-transaction',
        severity: 'blocking',
        message: `${open}, holding ${d.locksOnTables.join(', ')}: lock steps and index builds on it wait until it is finished; ${end}`,
        details: d,
      }
    : {
        kind: 'prepared-transaction',
        severity: 'warning',
        message: `${open}: while it lasts vacuum cannot remove the dead rows the migration leaves; ${end}`,
        details: d,
      };
}
