// Collects the latency and errors of simulated application operations over one time window.

export interface LatencySummary {
  readonly ops: number;
  readonly errors: number;
  /** Median latency in milliseconds (0 when there were no operations). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The first error's message, to tell what went wrong. */
  readonly firstError?: string;
}

export class LatencyWindow {
  readonly #latenciesMs: number[] = [];
  #errors = 0;
  #firstError: string | undefined;

  record(latencyMs: number): void {
    this.#latenciesMs.push(latencyMs);
  }

  recordError(error: unknown): void {
    this.#errors += 1;
    this.#firstError ??= error instanceof Error ? error.message : String(error);
  }

  summarize(): LatencySummary {
    const sorted = [...this.#latenciesMs].sort((a, b) => a - b);
    return {
      ops: sorted.length,
      errors: this.#errors,
      p50Ms: roundMs(percentile(sorted, 50)),
      p99Ms: roundMs(percentile(sorted, 99)),
      maxMs: roundMs(sorted.at(-1) ?? 0),
      ...(this.#firstError === undefined ? {} : { firstError: this.#firstError }),
    };
  }
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
