// The safety limits of cancelling a blocker (--cancel-blockers-after), as one pure rule over what
// pg_stat_activity and pg_locks say about the session, read right before acting on it.

/** What a session's query is (sql-grammar/statement-kind.ts reads it; db sits below the grammar). */
export type QueryKind = 'dml' | 'ddl' | 'lock' | 'unreadable';

export interface BlockerSession {
  readonly pid: number;
  readonly application: string | null;
  readonly user: string | null;
  /** pg_roles.rolsuper of its user. */
  readonly superuser: boolean;
  /** pg_stat_activity.backend_type: only a `client backend` is ever acted on. */
  readonly backendType: string | null;
  readonly state: string | null;
  readonly transactionAgeSeconds: number | null;
  readonly query: string | null;
  readonly queryKind: QueryKind;
  /** A relation lock it holds stronger than ROW EXCLUSIVE (DML never takes one), e.g. `ShareLock on public.tickets`. */
  readonly strongLock: string | null;
  /** Tables (relkind r) it holds ROW EXCLUSIVE on: those its transaction has run INSERT, UPDATE, DELETE or MERGE on. */
  readonly tablesWritten: number;
  /** It has a transaction id (backend_xid): it has written or row-locked something. */
  readonly hasTransactionId: boolean;
  /** It waits for a lock itself (wait_event_type Lock). */
  readonly waitingForLock: boolean;
  /** It waits for a lock our attempt held. */
  readonly waitingForUs: boolean;
}

export interface BlockerLimits {
  /** End an idle-in-transaction blocker (a cancel does not reach it). */
  readonly terminate: boolean;
  /** Superusers' sessions may be acted on. */
  readonly superusers: boolean;
  /** The most tables its transaction may have written to. */
  readonly maxWrites: number;
}

export type BlockerDecision = { readonly act: 'cancel' | 'terminate' } | { readonly act: 'leave'; readonly reason: string };

/** online's own sessions: `online` (a run's pool), `online migrate <pid>@<host>` (migrate's lock holder). */
export const isOnlineSession = (application: string | null): boolean =>
  application !== null && (application === 'online' || application.startsWith('online '));

/** Tables written, as the limit counts them: a transaction id without a table held ROW EXCLUSIVE (SELECT FOR UPDATE) counts 1. */
export const writesOf = (s: Pick<BlockerSession, 'tablesWritten' | 'hasTransactionId'>): number =>
  Math.max(s.tablesWritten, s.hasTransactionId ? 1 : 0);

const leave = (reason: string): BlockerDecision => ({ act: 'leave', reason });

/**
 * Whether to cancel, terminate or leave a blocker alone, first limit first. A cancel only interrupts
 * a running statement: PostgreSQL ignores it while a session is idle in transaction (it keeps its
 * transaction and its locks), so such a blocker can only be ended, and only when asked to.
 */
export function decideOnBlocker(s: BlockerSession, limits: BlockerLimits): BlockerDecision {
  if (s.backendType !== 'client backend') {
    return leave(
      s.backendType === 'autovacuum worker'
        ? 'an autovacuum worker: PostgreSQL cancels it itself when a lock waits on it (except one preventing wraparound, which must not be stopped)'
        : `not a client backend (${s.backendType ?? 'unknown type'})`,
    );
  }
  if (isOnlineSession(s.application)) return leave("one of online's own sessions");
  if (s.waitingForUs) return leave('it waits for a lock our attempt held: it goes on once the attempt has rolled back');
  if (s.waitingForLock) return leave('it waits for a lock itself, queued ahead of us: the session it waits for is the one in the way');
  if (s.strongLock !== null) return leave(`it holds ${s.strongLock}, stronger than any DML takes: DDL or an explicit LOCK TABLE`);
  if (s.queryKind === 'lock') return leave('its statement is a LOCK TABLE');
  if (s.queryKind === 'ddl') return leave('its statement is DDL');
  if (s.queryKind === 'unreadable')
    return leave('its query cannot be read (hidden, or cut short by track_activity_query_size), so it may be DDL');
  if (s.superuser && !limits.superusers) {
    return leave(`a superuser's session (${s.user ?? 'unknown user'}): --cancel-superuser-blockers would cancel it`);
  }
  const writes = writesOf(s);
  if (writes > limits.maxWrites) {
    return leave(
      `its transaction has written to ${writes} ${writes === 1 ? 'table' : 'tables'}, more than --max-blocker-writes ${limits.maxWrites}: cancelling would roll that back`,
    );
  }
  if (s.state === 'idle in transaction') {
    return limits.terminate
      ? { act: 'terminate' }
      : leave('idle in transaction: a cancel would not release its locks; --terminate-blockers would end its session');
  }
  if (s.state === 'active' || s.state === 'fastpath function call') return { act: 'cancel' };
  return leave(`its state is ${s.state ?? 'unknown'}: a cancel reaches only a running statement`);
}
