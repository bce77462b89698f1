// The worker's side of `online stop`: while a run holds its lease, it looks about every second for a
// stop request recorded after it started, and aborts the run's signal with the request as the reason,
// so the run ends at its next batch or step boundary exactly as after SIGINT (state recorded, exit 3).
import { sleep } from '../db/backoff.js';
import type { StopRequester } from '../errors/index.js';
import type { Ledger } from '../state/ledger.js';

const pollMs = 1_000;

/** The reason a stop request aborts the run's signal with: tells it apart from a signal or a lost lease. */
export class StopRequest {
  constructor(readonly by: StopRequester) {}
}

export interface StopWatch {
  readonly signal: AbortSignal;
  close(): Promise<void>;
}

/**
 * Watches for stop requests recorded after event `sinceEventId`; `ledger` is asked each time, so a run
 * that reconnected is watched on its new pool. A failed read is skipped: a lost connection is the
 * run's to notice, and the next read after it reconnects still finds the request.
 */
export function watchStopRequests(ledger: () => Ledger, migration: string, sinceEventId: string): StopWatch {
  const stop = new AbortController();
  const closed = new AbortController();
  const loop = (async () => {
    while (!closed.signal.aborted) {
      await sleep(pollMs, closed.signal);
      if (closed.signal.aborted) return;
      const request = await ledger()
        .stopRequestAfter(migration, sinceEventId)
        .catch(() => undefined);
      if (request !== undefined) {
        stop.abort(new StopRequest(request));
        return;
      }
    }
  })();
  return {
    signal: stop.signal,
    close: async () => {
      closed.abort();
      await loop;
    },
  };
}

/** The stop request that aborted `signal`, if that is what aborted it. */
export function stopRequestOf(signal: AbortSignal | undefined): StopRequester | undefined {
  const reason: unknown = signal?.aborted === true ? signal.reason : undefined;
  return reason instanceof StopRequest ? reason.by : undefined;
}
