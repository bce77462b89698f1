// The deadlock_timeout our lock waits must stay within: the shortest any application session of this
// database can run with, not only our own session's.
//
// deadlock_timeout can only be changed by a superuser (it is SUSET): in postgresql.conf (which our
// session sees too) or per role and database with ALTER ROLE / ALTER DATABASE … SET, stored in
// pg_db_role_setting, which every role can read. An application role configured with a shorter one
// runs its deadlock check sooner than our session's setting says, so the lock wait budget takes the
// least of them. (A superuser's session that SETs it itself cannot be seen from outside.)
import type { TransactionSql } from './connect.js';

/** Milliseconds per unit of a time setting, as PostgreSQL spells the units. */
const unitMs: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** A `deadlock_timeout` value as stored in pg_db_role_setting (`200ms`, `1s`, or a bare number of ms); undefined if unreadable. */
export function settingMs(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/.exec(value);
  if (match === null) return undefined;
  const ms = Number(match[1]) * (unitMs[match[2] ?? 'ms'] ?? 1);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * The least deadlock_timeout among this session's and every per-role or per-database setting that
 * applies in the current database.
 */
export async function leastDeadlockTimeoutMs(tx: TransactionSql): Promise<number> {
  const rows = await tx<{ value: string; own: boolean }[]>`
    select current_setting('deadlock_timeout') as value, true as own
    union all
    select substr(c, length('deadlock_timeout=') + 1), false
      from pg_db_role_setting s cross join lateral unnest(s.setconfig) as c
     where s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
       and c like 'deadlock\\_timeout=%'`;
  const values = rows.map((r) => settingMs(r.value)).filter((v): v is number => v !== undefined);
  return values.length === 0 ? 1_000 : Math.min(...values);
}
