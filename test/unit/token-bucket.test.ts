// The rows-per-second limiter holds its rate for one caller or many, lets big batches through on debt, and stops on abort.
import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TokenBucket, type TokenBucketClock } from '../../src/throttle/token-bucket.js';

/** A virtual clock: time moves only when every pending promise has settled and someone is asleep. */
class FakeClock implements TokenBucketClock {
  #now = 0;
  #timers: { at: number; wake: () => void }[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted === true) return resolve();
      const timer = { at: this.#now + Math.max(0, ms), wake: resolve };
      this.#timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve();
      });
    });
  }

  /** Advances virtual time timer by timer until `work` settles. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const done = work.finally(() => {
      settled = true;
    });
    for (;;) {
      await turn();
      if (settled) return done;
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers.shift();
      if (next === undefined) throw new Error('deadlock: nothing settled and nobody is asleep');
      this.#now = Math.max(this.#now, next.at);
      next.wake();
    }
  }

  get sleepers(): number {
    return this.#timers.length;
  }
}

async function steadyCaller(bucket: TokenBucket, rows: number, times: number): Promise<number> {
  let waited = 0;
  for (let i = 0; i < times; i += 1) waited += await bucket.take(rows);
  return waited;
}

describe('TokenBucket', () => {
  it('starts full: one second of rows goes through without waiting', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1_000, clock);
    expect(await clock.run(steadyCaller(bucket, 250, 4))).toBe(0);
    expect(clock.now()).toBe(0);
    expect(await clock.run(bucket.take(250))).toBeCloseTo(250, 6);
  });

  it('holds a steady caller within 1% of the target rate over the long run', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1_000, clock);
    await clock.run(steadyCaller(bucket, 100, 1_000));
    // 100 000 rows; the first 1 000 came from the full bucket.
    const rate = (100_000 - 1_000) / (clock.now() / 1_000);
    expect(Math.abs(rate - 1_000) / 1_000).toBeLessThan(0.01);
  });

  it('gives two concurrent callers the rate together, not each', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(500, clock);
    const [a, b] = await clock.run(Promise.all([steadyCaller(bucket, 50, 500), steadyCaller(bucket, 50, 500)]));
    const rate = (50_000 - 500) / (clock.now() / 1_000);
    expect(Math.abs(rate - 500) / 500).toBeLessThan(0.01);
    // Served in turn, so neither caller starves.
    expect(Math.abs(a - b) / Math.max(a, b)).toBeLessThan(0.05);
  });

  it('serves a large request between small ones in arrival order', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(100, clock);
    await clock.run(bucket.take(100));
    const order: string[] = [];
    const big = bucket.take(100).then(() => order.push('big'));
    const small = bucket.take(1).then(() => order.push('small'));
    await clock.run(Promise.all([big, small]));
    expect(order).toEqual(['big', 'small']);
    expect(clock.now()).toBeCloseTo(1_010, 6);
  });

  it('lets a request of 5× capacity through on debt, and the debt is paid before the next one', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1_000, clock);
    expect(await clock.run(bucket.take(5_000))).toBe(0);
    // 4 000 rows of debt plus 1 row: 4.001 s.
    expect(await clock.run(bucket.take(1))).toBeCloseTo(4_001, 6);
  });

  it('waits only for a full bucket, not for the whole of an oversized request', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1_000, clock);
    await clock.run(bucket.take(1_000));
    expect(await clock.run(bucket.take(5_000))).toBeCloseTo(1_000, 6);
    expect(await clock.run(bucket.take(1_000))).toBeCloseTo(5_000, 6);
  });

  it('refund gives back unused rows, up to the capacity', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1_000, clock);
    await clock.run(bucket.take(1_000));
    bucket.refund(400);
    expect(await clock.run(bucket.take(400))).toBe(0);
    bucket.refund(10_000);
    expect(await clock.run(bucket.take(1_000))).toBe(0);
    expect(await clock.run(bucket.take(1))).toBeCloseTo(1, 6);
  });

  it('a refund while someone waits shortens the wait', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1_000, clock);
    await clock.run(bucket.take(1_000));
    const waiting = bucket.take(500);
    await turn();
    bucket.refund(500);
    expect(await clock.run(waiting)).toBe(0);
  });

  it('abort stops the wait, takes nothing, and the next caller moves up', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1_000, clock);
    await clock.run(bucket.take(1_000));
    const stop = new AbortController();
    const aborted = bucket.take(800, stop.signal);
    const next = bucket.take(100);
    await turn();
    stop.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(await clock.run(next)).toBeCloseTo(100, 6);
    expect(clock.sleepers).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const bucket = new TokenBucket(10, new FakeClock());
    await expect(bucket.take(1, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    expect(await bucket.take(10)).toBe(0);
  });

  it('with the real clock, an abort ends a wait of over 15 minutes', async () => {
    // One row per 1,000 s: the first row empties the bucket (into debt), the next would wait 1,000 s.
    // Only the abort can settle it before the test times out; no stopwatch needed.
    const bucket = new TokenBucket(0.001);
    expect(await bucket.take(1)).toBe(0);
    await expect(bucket.take(1, AbortSignal.timeout(20))).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('rejects a non-positive rate', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
  });
});
