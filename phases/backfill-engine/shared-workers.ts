// One worker target shared by the leaf tasks of a partitioned table, which run side by side: the
// run's target (fixed, or --concurrency auto's controller) says how many workers in all; each running
// leaf gets an even share of them, at least one, the earliest started taking the remainder. When
// fewer leaves are left than workers, the shares grow and the leaves' pools split their ranges to use
// them. The run's target hears the leaves' batches summed, as it would hear one task's.
import type { WorkerSample, WorkerTarget } from './worker-target.js';

export class SharedWorkers {
  readonly #total: WorkerTarget;
  /** Running leaves, in the order they started. */
  readonly #running: string[] = [];
  readonly #covered = new Map<string, number>();
  readonly #workers = new Map<string, number>();
  #changed: { readonly promise: Promise<void>; readonly resolve: () => void } = signal();

  constructor(total: WorkerTarget) {
    this.#total = total;
  }

  /** Workers wanted for all the leaves together. */
  wanted(): number {
    return this.#total.wanted();
  }

  get running(): number {
    return this.#running.length;
  }

  /** Resolves after the next batch of any leaf, or when a leaf ends: the time to look at `wanted()` again. */
  changed(): Promise<void> {
    return this.#changed.promise;
  }

  /** A leaf starts: its own target, a share of the whole. */
  start(leaf: string): WorkerTarget {
    this.#running.push(leaf);
    return {
      wanted: () => this.#share(leaf),
      observe: (sample) => this.#observe(leaf, sample),
      capped: (workers, why) => this.#total.capped(workers + this.#othersWorkers(leaf), why),
    };
  }

  /** A leaf ended: the others' shares grow. */
  end(leaf: string): void {
    const at = this.#running.indexOf(leaf);
    if (at >= 0) this.#running.splice(at, 1);
    this.#workers.delete(leaf);
    this.#poke();
  }

  #share(leaf: string): number {
    const total = this.#total.wanted();
    const n = Math.max(1, this.#running.length);
    const at = Math.max(0, this.#running.indexOf(leaf));
    return Math.max(1, Math.floor(total / n) + (at < total % n ? 1 : 0));
  }

  #observe(leaf: string, sample: WorkerSample): void {
    this.#covered.set(leaf, sample.rowsCovered);
    this.#workers.set(leaf, sample.workers);
    const rowsCovered = [...this.#covered.values()].reduce((a, b) => a + b, 0);
    const workers = [...this.#workers.values()].reduce((a, b) => a + b, 0);
    this.#total.observe({ rowsCovered, runningMs: sample.runningMs, workers });
    this.#poke();
  }

  #othersWorkers(leaf: string): number {
    return [...this.#workers].reduce((n, [other, workers]) => (other === leaf ? n : n + workers), 0);
  }

  #poke(): void {
    const current = this.#changed;
    this.#changed = signal();
    current.resolve();
  }
}

function signal(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
