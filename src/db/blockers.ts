// Who blocks a backend: pg_blocking_pids joined with pg_stat_activity, for lock-retry events, lock-timeout
// errors and status.
import { maskQuerySecrets } from './mask-secrets.js';
import type { Blocker } from '../errors/index.js';
import type { Sql } from './connect.js';
import { conflictsWith, pgLocksMode, type LockMode } from './lock-modes.js';

interface BlockerRow {
  pid: number;
  application: string;
  state: string | null;
  age: number | null;
  query: string | null;
}

const toBlocker = (r: BlockerRow): Blocker => ({
  pid: r.pid,
  application: r.application,
  state: r.state,
  transactionAgeSeconds: r.age,
  query: r.query === null ? null : maskQuerySecrets(r.query),
});

export async function findBlockers(sql: Sql, pid: number): Promise<Blocker[]> {
  return (await sampleBlockers(sql, pid)).map(asBlocker);
}

/** A blocker seen during our wait, whether it was itself waiting for a lock we held, and which transaction it was in. */
export interface SampledBlocker extends Blocker {
  /** It holds what we wait for and waits for what we hold: only our rolling back frees it. */
  readonly waitingForUs: boolean;
  /** Its xact_start as text: a later look at the pid knows whether it is still that transaction (blocker-cancel.ts). */
  readonly transactionStart: string | null;
}

export const asBlocker = ({ waitingForUs: _, transactionStart: __, ...blocker }: SampledBlocker): Blocker => blocker;

type SampledRow = BlockerRow & { waiting_for_us: boolean; transaction_start: string | null };

const toSampled = (r: SampledRow): SampledBlocker => ({
  ...toBlocker(r),
  waitingForUs: r.waiting_for_us,
  transactionStart: r.transaction_start,
});

async function sampleBlockers(sql: Sql, pid: number): Promise<SampledBlocker[]> {
  const rows = await sql<SampledRow[]>`
    select a.pid, a.application_name as application, a.state, extract(epoch from now() - a.xact_start)::float8 as age, left(a.query, 500) as query,
           ${pid}::int = any(pg_blocking_pids(a.pid)) as waiting_for_us, a.xact_start::text as transaction_start
    from pg_stat_activity a where a.pid = any(pg_blocking_pids(${pid})) order by a.xact_start`;
  return rows.map(toSampled);
}

/**
 * The sessions other than `pid` holding a lock on `relation` that conflicts with `mode`: who is in the
 * way of a LOCK TABLE, asked alongside it (a wait of a few milliseconds is over before a sample can
 * see it, and once it fails, the holders it waited for may be gone too). Only this database's locks: a
 * relation OID is unique within a database, and a database copied from ours as a template has our OIDs.
 */
export async function findHolders(sql: Sql, relation: string, mode: LockMode, pid: number): Promise<SampledBlocker[]> {
  const modes = conflictsWith(mode).map(pgLocksMode);
  const rows = await sql<SampledRow[]>`
    select a.pid, a.application_name as application, a.state, extract(epoch from now() - a.xact_start)::float8 as age, left(a.query, 500) as query,
           ${pid}::int = any(pg_blocking_pids(a.pid)) as waiting_for_us, a.xact_start::text as transaction_start
    from pg_stat_activity a
    where a.pid in (select l.pid from pg_locks l where l.locktype = 'relation' and l.granted and l.pid <> ${pid}
                      and l.database = (select oid from pg_database where datname = current_database())
                      and l.relation = to_regclass(${relation}::text) and l.mode = any(${modes}::text[]))
    order by a.xact_start`;
  return rows.map(toSampled);
}

export interface BlockerWatch {
  /** A statement that may wait up to `timeoutMs` for a lock starts now: sample its blockers shortly before it gives up. */
  expect(timeoutMs: number): void;
  /** Stops sampling; returns the blockers of the last statement, if it was seen waiting. */
  stop(): Promise<SampledBlocker[]>;
}

/**
 * Samples the blockers of `pid` during each lock wait: once the wait has failed, pg_blocking_pids no
 * longer knows. A sample needs a pool connection, which may first have to be opened, so one taken late
 * in a short wait can come back after the wait is over: the wait is sampled from a fifth of the way in,
 * one sample after the other, and the last sample that saw blockers is kept.
 */
export function watchBlockers(sql: Sql, pid: number): BlockerWatch {
  let seen: SampledBlocker[] = [];
  let pending: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let statement = 0;
  let stopped = false;
  const sampleFrom = (current: number, everyMs: number): void => {
    timer = setTimeout(() => {
      pending = sampleBlockers(sql, pid)
        .then((found) => {
          if (current !== statement) return;
          if (found.length > 0) seen = found;
          if (!stopped) sampleFrom(current, everyMs);
        })
        .catch(() => undefined);
    }, everyMs);
  };
  return {
    expect(timeoutMs) {
      clearTimeout(timer);
      seen = [];
      sampleFrom(++statement, Math.max(5, Math.floor(timeoutMs / 5)));
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pending;
      return seen;
    },
  };
}
