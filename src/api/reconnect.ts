// After a lost connection: wait for the server to answer again (bounded by --reconnect-timeout, a stop
// signal ends the wait), open a fresh pool (the old one's connections are dead and are never reused),
// and take the migration's lease again. The lock of a lost backend is released by the server when
// that backend ends, which may take a moment: a lease still held under this very process's name is
// waited for; one held by another worker means it took over, and this run stops.
import { sleep } from '../db/backoff.js';
import { errorMessage } from '../db/connect.js';
import { isConnectionLoss } from '../db/connection-loss.js';
import { ConnectionLostError, LeaseHeldError, LeaseTakenError, StoppedError } from '../errors/index.js';
import { isOwnLease, type Lease } from '../state/lease.js';
import type { Session } from './session.js';

const retryEveryMs = 1_000;

export interface Reconnected {
  readonly session: Session;
  readonly lease: Lease;
}

/** Waits for the server and returns a new session holding the lease; throws ConnectionLostError, LeaseTakenError or StoppedError. */
export async function reconnect(
  lostSession: Session,
  migration: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  lostBy: unknown,
): Promise<Reconnected> {
  const started = performance.now();
  lostSession.emit({ type: 'connection-lost', migration, reason: errorMessage(lostBy), reconnectTimeoutMs: timeoutMs });
  await lostSession.abandon().catch(() => undefined);
  let lastError = lostBy;
  for (;;) {
    if (signal?.aborted === true) throw new StoppedError(migration, 'interrupted by signal while waiting for the server');
    if (performance.now() - started > timeoutMs)
      throw new ConnectionLostError(migration, performance.now() - started, { cause: lastError });
    const session = await lostSession.reopen().catch((error: unknown) => {
      lastError = error;
      return undefined;
    });
    if (session !== undefined) {
      const taken = await session.ledger.acquireLease(migration).then(
        (lease): { lease: Lease } => ({ lease }),
        (error: unknown): { error: unknown } => ({ error }),
      );
      if ('lease' in taken) {
        session.emit({ type: 'reconnected', migration, downMs: Math.round(performance.now() - started) });
        return { session, lease: taken.lease };
      }
      await session.abandon().catch(() => undefined);
      const refused = taken.error;
      if (refused instanceof LeaseHeldError && !isOwnLease(refused.holder)) {
        const holder = refused.holder === undefined ? 'holder unknown' : `pid ${refused.holder.pid} on ${refused.holder.host}`;
        throw new LeaseTakenError(migration, holder, { cause: refused });
      }
      if (!(refused instanceof LeaseHeldError) && !isConnectionLoss(refused)) throw refused;
      lastError = refused;
    }
    await sleep(retryEveryMs, signal);
  }
}
