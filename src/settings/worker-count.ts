// How many backfill workers a run's options allow: `--concurrency N` runs N; `--concurrency auto` starts
// with one and adds workers while they pay (phases/backfill-engine/auto-concurrency.ts), up to
// `--max-concurrency`. Code that needs one number asks here which one it means.
import { z } from 'zod';

/** The most workers any run may have: the connection pool is sized for it (src/api/start.ts). */
export const workerLimit = 64;
/** `--max-concurrency` when auto is not given one: enough to find the gain of parallel ranges on most servers, few enough to stay polite. */
export const defaultMaxConcurrency = 4;
/** How the forms are named in errors. */
export const workerCountForms = `a number of workers from 1 to ${workerLimit}, or auto`;

/** `--concurrency`: a number of workers, or `auto`. */
export const workerCount = z.union([z.literal('auto'), z.number().int().min(1).max(workerLimit)]);
export type WorkerCount = z.infer<typeof workerCount>;

interface WorkerOptions {
  readonly concurrency: WorkerCount;
  /** null: the default, when auto. */
  readonly maxConcurrency: number | null;
}

/** The workers a backfill starts with: N, or 1 under auto (the level every added worker is measured against). */
export function initialWorkers(options: WorkerOptions): number {
  return options.concurrency === 'auto' ? 1 : options.concurrency;
}

/** The most workers the run may have at once: N, or `--max-concurrency` under auto. */
export function maxWorkers(options: WorkerOptions): number {
  return options.concurrency === 'auto' ? (options.maxConcurrency ?? defaultMaxConcurrency) : options.concurrency;
}
