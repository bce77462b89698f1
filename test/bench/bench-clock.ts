// One clock for the main thread and the OLTP worker: epoch milliseconds with sub-ms resolution
// (each thread's `performance.now()` has its own origin, so raw values would not compare).
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A span of time in epoch ms, e.g. the fill or the no-migration baseline. */
export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}
