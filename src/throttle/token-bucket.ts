// The --max-rows-per-second limiter, shared by concurrent range workers: a token bucket holding one second
// of rows that serves callers first come, first served, and lets one large request go into debt.
import { sleep } from '../db/backoff.js';

export interface TokenBucketClock {
  /** milliseconds, monotonic */
  now(): number;
  /** resolves (or rejects) early when `signal` aborts */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const systemClock: TokenBucketClock = { now: () => performance.now(), sleep };

/** Float slack so a wait computed to the exact deficit doesn't need a second, sub-microsecond wait. */
const EPSILON = 1e-9;

interface Waiter {
  readonly rows: number;
  readonly startedAt: number;
  readonly resolve: (waitedMs: number) => void;
  readonly detach: () => void;
}

export class TokenBucket {
  readonly #rate: number;
  readonly #capacity: number;
  readonly #clock: TokenBucketClock;
  readonly #queue: Waiter[] = [];
  #tokens: number;
  #refilledAt: number;
  #pumping = false;
  /** Cuts the pump's sleep short when the head of the queue changes or tokens come back. */
  #wake: AbortController | null = null;

  constructor(ratePerSecond: number, clock: TokenBucketClock = systemClock) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`TokenBucket: ratePerSecond must be > 0, got ${ratePerSecond}`);
    }
    this.#rate = ratePerSecond;
    this.#capacity = ratePerSecond;
    this.#clock = clock;
    this.#tokens = this.#capacity;
    this.#refilledAt = clock.now();
  }

  /**
   * Waits until `rows` may start, then takes them, and returns the ms waited. Callers are served in order.
   * A request larger than the bucket holds waits until it holds min(rows, capacity), then takes all rows,
   * leaving the bucket in debt so the average rate still holds. On abort it rejects with `signal.reason`
   * and takes nothing.
   */
  take(rows: number, signal?: AbortSignal): Promise<number> {
    if (!(rows >= 0) || !Number.isFinite(rows)) return Promise.reject(new RangeError(`TokenBucket: rows must be >= 0, got ${rows}`));
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    if (rows === 0) return Promise.resolve(0);
    if (this.#queue.length === 0 && this.#tryTake(rows)) return Promise.resolve(0);
    return new Promise<number>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#queue.indexOf(waiter);
        if (index < 0) return;
        this.#queue.splice(index, 1);
        if (index === 0) this.#wake?.abort();
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        rows,
        startedAt: this.#clock.now(),
        resolve,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      if (!this.#pumping) void this.#pump();
    });
  }

  /** Gives back rows that were taken but not used (a batch that covered fewer rows). */
  refund(rows: number): void {
    if (!(rows > 0) || !Number.isFinite(rows)) return;
    this.#refill();
    this.#tokens = Math.min(this.#capacity, this.#tokens + rows);
    this.#wake?.abort();
  }

  /** Serves the queue head by head; the only place that sleeps, so concurrent callers never double-count a refill. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let head = this.#queue[0]; head !== undefined; head = this.#queue[0]) {
        if (this.#tryTake(head.rows)) {
          this.#queue.shift();
          head.detach();
          head.resolve(this.#clock.now() - head.startedAt);
          continue;
        }
        const deficit = Math.min(head.rows, this.#capacity) - this.#tokens;
        const wake = new AbortController();
        this.#wake = wake;
        await this.#clock.sleep((deficit * 1_000) / this.#rate, wake.signal).catch(() => undefined);
        this.#wake = null;
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Synchronous check-and-subtract. */
  #tryTake(rows: number): boolean {
    this.#refill();
    if (this.#tokens + EPSILON < Math.min(rows, this.#capacity)) return false;
    this.#tokens -= rows;
    return true;
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#refilledAt) * this.#rate) / 1_000);
    this.#refilledAt = now;
  }
}
