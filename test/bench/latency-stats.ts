// Latency percentiles and error counts of the OLTP operations that started inside a window.
import type { TimeWindow } from './bench-clock.js';
import type { OltpSamples } from './oltp-load.js';

export interface LatencyStats {
  readonly operations: number;
  readonly operationsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The same over the single-row updates only (the operations a row lock can delay). */
  readonly writes: { readonly operations: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
  readonly errors: number;
  readonly firstError: string | null;
}

export function latencyStats(samples: OltpSamples, window: TimeWindow): LatencyStats {
  const all: number[] = [];
  const writes: number[] = [];
  for (let i = 0; i < samples.at.length; i++) {
    const at = samples.at[i] as number;
    if (at < window.from || at > window.to) continue;
    const ms = samples.latencyMs[i] as number;
    all.push(ms);
    if (samples.isWrite[i] === 1) writes.push(ms);
  }
  all.sort((a, b) => a - b);
  writes.sort((a, b) => a - b);
  const inWindow = (at: number): boolean => at >= window.from && at <= window.to;
  const errors = samples.errorAt.filter(inWindow).length;
  // Only the first errors keep their message; past those, the session's first stands in.
  const firstError =
    samples.errorMessages.find((e) => inWindow(e.at))?.message ?? (errors > 0 ? (samples.errorMessages[0]?.message ?? null) : null);
  const seconds = Math.max(0.001, (window.to - window.from) / 1000);
  return {
    operations: all.length,
    operationsPerSecond: all.length / seconds,
    p50Ms: percentile(all, 0.5),
    p99Ms: percentile(all, 0.99),
    maxMs: all.at(-1) ?? 0,
    writes: { operations: writes.length, p50Ms: percentile(writes, 0.5), p99Ms: percentile(writes, 0.99), maxMs: writes.at(-1) ?? 0 },
    errors,
    firstError,
  };
}

/** Nearest-rank percentile of sorted values; 0 for none. */
function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}
