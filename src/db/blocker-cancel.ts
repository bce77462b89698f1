// Cancels the sessions blocking a strong-lock step once it has been retried long enough
// (--cancel-blockers-after): each blocker is read again right before acting on it, judged by the
// safety limits (blocker-safety.ts), and signalled only if it is still the same statement in the
// same transaction, still holding no lock stronger than ROW EXCLUSIVE.
import { maskQuerySecrets } from './mask-secrets.js';
import type { Blocker } from '../errors/index.js';
import { decideOnBlocker, type BlockerLimits, type BlockerSession, type QueryKind } from './blocker-safety.js';
import type { SampledBlocker } from './blockers.js';
import { sleep } from './backoff.js';
import { sqlState, type Sql } from './connect.js';

export interface CancelBlockersPolicy extends BlockerLimits {
  /** From the step's first attempt: how long it retries before its blockers are acted on. */
  readonly afterMs: number;
  /** What a query text is, by PostgreSQL's grammar (given by the caller: db sits below sql-grammar). */
  readonly classifyQuery: (query: string) => Promise<QueryKind>;
  /** Each action and each blocker left alone (once per blocker and reason); awaited before the retry. */
  readonly onAction?: (action: BlockerAction) => void | Promise<void>;
}

/** A blocker as the events name it: its user too. */
export interface BlockerVictim extends Blocker {
  readonly user: string | null;
}

export interface BlockerAction {
  /** `cancelled`: pg_cancel_backend; `terminated`: pg_terminate_backend; `left-alone`: a safety limit kept it. */
  readonly action: 'cancelled' | 'terminated' | 'left-alone';
  /** Why: how long the step had been retried, or the limit that kept it. */
  readonly reason: string;
  /** The statement of ours it blocked. */
  readonly statement: string;
  readonly blocker: BlockerVictim;
}

interface SessionRow {
  pid: number;
  application: string | null;
  user: string | null;
  superuser: boolean;
  backend_type: string | null;
  state: string | null;
  age: number | null;
  query: string | null;
  query_start: string | null;
  has_xid: boolean;
  waiting_for_lock: boolean;
  strong_lock: string | null;
  tables_written: number;
}

/** DML takes at most ROW EXCLUSIVE on a relation; anything stronger is DDL, VACUUM or an explicit LOCK TABLE. */
const dmlModes = ['AccessShareLock', 'RowShareLock', 'RowExclusiveLock'];

/** The blockers of one step: acts on them when asked, and says each one left alone once. */
export class BlockerCanceller {
  readonly #reported = new Set<string>();

  constructor(
    private readonly sql: Sql,
    private readonly policy: CancelBlockersPolicy,
  ) {}

  /** Whether the step, retried for `elapsedMs`, is due to have its blockers acted on. */
  due(elapsedMs: number): boolean {
    return elapsedMs >= this.policy.afterMs;
  }

  /** Acts on each blocker the limits allow; returns how many were signalled and those left alone (this round). */
  async review(
    blockers: readonly SampledBlocker[],
    statement: string,
    elapsedMs: number,
    releaseWaitMs: number,
  ): Promise<{ readonly signalled: number; readonly leftAlone: readonly BlockerAction[] }> {
    const leftAlone: BlockerAction[] = [];
    const signalled: SampledBlocker[] = [];
    const seen = new Set<number>();
    for (const sampled of blockers) {
      if (seen.has(sampled.pid)) continue;
      seen.add(sampled.pid);
      const session = await this.#read(sampled);
      // Gone, or in another transaction since: it is no longer what blocked us.
      if (session === undefined) continue;
      const decision = decideOnBlocker(session.description, this.policy);
      const victim = victimOf(session.description);
      if (decision.act === 'leave') {
        const action: BlockerAction = { action: 'left-alone', reason: decision.reason, statement, blocker: victim };
        leftAlone.push(action);
        await this.#reportOnce(sampled, action);
        continue;
      }
      const outcome = await this.#signal(sampled, session.queryStart, session.description.state, decision.act === 'terminate');
      if (outcome === 'moved-on') continue;
      if (typeof outcome === 'object') {
        const action: BlockerAction = { ...outcome, statement, blocker: victim };
        leftAlone.push(action);
        await this.#reportOnce(sampled, action);
        continue;
      }
      signalled.push(sampled);
      const reason = `the step had been retried for ${seconds(elapsedMs)}, past --cancel-blockers-after ${seconds(this.policy.afterMs)}`;
      await this.policy.onAction?.({
        action: decision.act === 'terminate' ? 'terminated' : 'cancelled',
        reason,
        statement,
        blocker: victim,
      });
    }
    if (signalled.length > 0) await this.#awaitRelease(signalled, releaseWaitMs);
    return { signalled: signalled.length, leftAlone };
  }

  async #reportOnce(sampled: SampledBlocker, action: BlockerAction): Promise<void> {
    const key = `${sampled.pid}|${sampled.transactionStart ?? ''}|${action.reason}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    await this.policy.onAction?.(action);
  }

  /** The session as it is now, if it is still in the transaction it blocked us in. */
  async #read(sampled: SampledBlocker): Promise<{ description: BlockerSession; queryStart: string | null } | undefined> {
    const [row] = await this.sql<SessionRow[]>`
      select a.pid, a.application_name as application, a.usename as user, coalesce(r.rolsuper, false) as superuser, a.backend_type,
             a.state, extract(epoch from now() - a.xact_start)::float8 as age, a.query, a.query_start::text as query_start,
             a.backend_xid is not null as has_xid, a.wait_event_type is not distinct from 'Lock' as waiting_for_lock,
             (select l.mode || ' on ' || l.relation::regclass::text from pg_locks l
               where l.pid = a.pid and l.locktype = 'relation' and l.granted and l.mode <> all(${dmlModes}::text[]) limit 1) as strong_lock,
             (select count(distinct l.relation)::int from pg_locks l join pg_class c on c.oid = l.relation
               where l.pid = a.pid and l.locktype = 'relation' and l.granted and l.mode = 'RowExclusiveLock' and c.relkind = 'r') as tables_written
      from pg_stat_activity a left join pg_roles r on r.rolname = a.usename
      where a.pid = ${sampled.pid} and a.xact_start::text is not distinct from ${sampled.transactionStart}::text`;
    if (row === undefined) return undefined;
    const queryKind: QueryKind = row.query === null ? 'unreadable' : await this.policy.classifyQuery(row.query);
    return {
      queryStart: row.query_start,
      description: {
        pid: row.pid,
        application: row.application,
        user: row.user,
        superuser: row.superuser,
        backendType: row.backend_type,
        state: row.state,
        transactionAgeSeconds: row.age,
        query: row.query === null ? null : maskQuerySecrets(row.query),
        queryKind,
        strongLock: row.strong_lock,
        tablesWritten: row.tables_written,
        hasTransactionId: row.has_xid,
        waitingForLock: row.waiting_for_lock,
        waitingForUs: sampled.waitingForUs,
      },
    };
  }

  /**
   * Cancels (or terminates) the session only if it is still running the statement it was judged on,
   * in the same transaction and state, holding no lock stronger than DML takes: `moved-on` otherwise.
   */
  async #signal(
    sampled: SampledBlocker,
    queryStart: string | null,
    state: string | null,
    terminate: boolean,
  ): Promise<'signalled' | 'moved-on' | { readonly action: 'left-alone'; readonly reason: string }> {
    try {
      const [row] = await this.sql<{ signalled: boolean }[]>`
        select case when ${terminate} then pg_terminate_backend(a.pid) else pg_cancel_backend(a.pid) end as signalled
        from pg_stat_activity a
        where a.pid = ${sampled.pid} and a.xact_start::text is not distinct from ${sampled.transactionStart}::text
          and a.query_start::text is not distinct from ${queryStart}::text and a.state is not distinct from ${state}::text
          and not exists (select from pg_locks l where l.pid = a.pid and l.locktype = 'relation' and l.granted and l.mode <> all(${dmlModes}::text[]))`;
      return row?.signalled === true ? 'signalled' : 'moved-on';
    } catch (error) {
      // Not ours to signal: a superuser's session, or another role's without pg_signal_backend.
      if (sqlState(error) !== '42501') throw error;
      return { action: 'left-alone', reason: `not permitted: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /** Waits (up to `timeoutMs`) until the signalled transactions hold no table lock: the next attempt then finds the way clear. */
  async #awaitRelease(signalled: readonly SampledBlocker[], timeoutMs: number): Promise<void> {
    const pids = signalled.map((b) => b.pid);
    const starts = signalled.map((b) => b.transactionStart ?? '');
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const [row] = await this.sql<{ holding: boolean }[]>`
        select exists (
          select from pg_stat_activity a join unnest(${pids}::int[], ${starts}::text[]) as v(pid, xact) on v.pid = a.pid and a.xact_start::text = v.xact
          where exists (select from pg_locks l where l.pid = a.pid and l.locktype = 'relation' and l.granted)) as holding`;
      if (row?.holding !== true) return;
      await sleep(10);
    }
  }
}

function victimOf(s: BlockerSession): BlockerVictim {
  return {
    pid: s.pid,
    application: s.application,
    user: s.user,
    state: s.state,
    transactionAgeSeconds: s.transactionAgeSeconds,
    query: s.query === null ? null : s.query.slice(0, 500),
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
