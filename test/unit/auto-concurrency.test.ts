// `--concurrency auto` decides from synthetic samples: it adds a worker while rows/s rises by the margin,
// stops at the maximum, takes back a worker that gained too little and tries again later, and takes one
// away at once when a health probe leaves its limits.
import { describe, expect, it } from 'vitest';
import {
  AutoConcurrency,
  defaultTuning,
  ordinal,
  type AutoLimits,
  type HealthSnapshot,
  type WorkerChange,
} from '../../phases/backfill-engine/auto-concurrency.js';

const limits: AutoLimits = { maxWorkers: 4, maxActiveSessions: 20, maxReplicationLagMs: 10_000, maxRetainedWalBytes: null };

/** A task's run as the pool reports it: rows and running time so far. */
class Run {
  rows = 0;
  ms = 0;
  constructor(readonly controller: AutoConcurrency) {}

  /** `seconds` of running time at `rowsPerSecond` with `workers` running, one batch per worker every 100 ms; the changes made. */
  run(seconds: number, rowsPerSecond: number, workers = this.controller.workers): WorkerChange[] {
    const changes: WorkerChange[] = [];
    const batches = Math.round(seconds * 10 * workers);
    for (let i = 0; i < batches; i++) {
      this.ms += 100 / workers;
      this.rows += rowsPerSecond / 10 / workers;
      const change = this.controller.observe({ rowsCovered: Math.round(this.rows), runningMs: this.ms, workers });
      if (change !== null) changes.push(change);
    }
    return changes;
  }

  /** Runs at the level the controller wants, with each level's rate, until `seconds` of running time pass. */
  follow(seconds: number, rateOf: (workers: number) => number): WorkerChange[] {
    const changes: WorkerChange[] = [];
    const until = this.ms + seconds * 1000;
    while (this.ms < until) changes.push(...this.run(0.5, rateOf(this.controller.workers)));
    return changes;
  }
}

let probes = 0;
function probe(reading: Partial<HealthSnapshot> = {}): HealthSnapshot {
  probes++;
  return { probe: probes, waitingOnUs: 0, activeSessions: 0, replicationLagMs: null, retainedWalBytes: null, ...reading };
}

function started(l: AutoLimits = limits): Run {
  const controller = new AutoConcurrency(l);
  controller.health(probe());
  return new Run(controller);
}

describe('--concurrency auto', () => {
  it('starts with one worker and says how it decides', () => {
    const controller = new AutoConcurrency(limits);
    expect(controller.workers).toBe(1);
    expect(controller.start()).toEqual({
      workers: 1,
      max: 4,
      change: 'start',
      reason: 'starting with 1 worker; adds one while rows/s rises 10% or more and health allows, up to 4',
    });
  });

  it('measures after a settling period of running time and batches, then adds a worker while rows/s rises by the margin', () => {
    const run = started();
    // Warm-up (1 s) and measurement (3 s) of one worker: nothing before both have passed.
    expect(run.run(3.9, 10_000)).toEqual([]);
    expect(run.run(0.2, 10_000)).toEqual([{ workers: 2, max: 4, change: 'add', reason: 'added a 2nd worker: 1 made 10,000 rows/s' }]);
    expect(run.run(3.9, 18_000)).toEqual([]);
    expect(run.run(0.2, 18_000)).toEqual([
      { workers: 3, max: 4, change: 'add', reason: 'added a 3rd worker: +80% rows/s (10,000 → 18,000)' },
    ]);
  });

  it('stops at --max-concurrency however much rows/s rises', () => {
    const run = started({ ...limits, maxWorkers: 3 });
    const changes = run.follow(60, (workers) => workers * 10_000);
    expect(changes.map((c) => [c.change, c.workers])).toEqual([
      ['add', 2],
      ['add', 3],
    ]);
    expect(run.controller.workers).toBe(3);
  });

  it('takes back a worker that gained too little, holds off, and probes again later (longer after each miss)', () => {
    const run = started();
    const flat = (workers: number): number => (workers === 1 ? 10_000 : 10_300);
    const first = run.follow(8.5, flat);
    expect(first.map((c) => c.reason)).toEqual([
      'added a 2nd worker: 1 made 10,000 rows/s',
      'back to 1: a 2nd gained 3% (10,000 → 10,300 rows/s); tries again after 30s of running',
    ]);
    expect(first[1]).toMatchObject({ workers: 1, change: 'back' });
    // Held off for 30 s of running time: no change meanwhile.
    expect(run.follow(29, flat)).toEqual([]);
    // Then it measures one worker again and tries a 2nd; it misses again and waits twice as long.
    const second = run.follow(12, flat);
    expect(second.map((c) => c.reason)).toEqual([
      'added a 2nd worker: 1 made 10,000 rows/s',
      'back to 1: a 2nd gained 3% (10,000 → 10,300 rows/s); tries again after 60s of running',
    ]);
  });

  it('keeps a worker that pays after one that did not', () => {
    const run = started();
    run.follow(8.5, (workers) => (workers === 1 ? 10_000 : 10_100));
    expect(run.controller.workers).toBe(1);
    // The server got room: a 2nd now gains 50 %.
    const changes = run.follow(45, (workers) => workers * 10_000);
    expect(changes.map((c) => c.reason)).toContain('added a 3rd worker: +100% rows/s (10,000 → 20,000)');
  });

  it('counts only batches run at the level wanted: a pool still starting the new worker does not measure', () => {
    const run = started();
    run.run(4.1, 10_000);
    expect(run.controller.workers).toBe(2);
    // Still one worker running, at any rate: no judgement of the 2nd.
    expect(run.run(20, 1_000, 1)).toEqual([]);
    expect(run.controller.workers).toBe(2);
  });

  it('takes a worker away at once when sessions wait on our locks, once per probe', () => {
    const run = started();
    run.follow(9, (workers) => workers * 10_000);
    expect(run.controller.workers).toBe(3);
    const reading = probe({ waitingOnUs: 4 });
    expect(run.controller.health(reading)).toEqual({
      workers: 2,
      max: 4,
      change: 'down',
      reason: 'down to 2: 4 sessions waiting on our locks',
    });
    expect(run.controller.health(reading)).toBeNull();
    expect(run.controller.health(probe({ waitingOnUs: 2 }))).toMatchObject({
      workers: 1,
      reason: 'down to 1: 2 sessions waiting on our locks',
    });
    // One worker is the floor.
    expect(run.controller.health(probe({ waitingOnUs: 9 }))).toBeNull();
    expect(run.controller.workers).toBe(1);
  });

  it.each([
    [{ activeSessions: 25 }, 'down to 1: 25 other active sessions > 20'],
    [{ replicationLagMs: 14_000 }, 'down to 1: replication lag 14s > 10s'],
  ])('takes a worker away when a health limit is passed: %o', (reading, reason) => {
    const run = started();
    run.run(4.1, 10_000);
    expect(run.controller.health(probe(reading))).toMatchObject({ change: 'down', workers: 1, reason });
  });

  it('after a worker was taken away for health, holds off before adding again, even with the probes clear', () => {
    const run = started();
    run.run(4.1, 10_000);
    run.controller.health(probe({ waitingOnUs: 3 }));
    run.controller.health(probe());
    const rate = (workers: number): number => workers * 10_000;
    expect(run.follow(defaultTuning.holdOffMs / 1000 - 1, rate)).toEqual([]);
    expect(run.follow(6, rate).map((c) => c.reason)).toEqual(['added a 2nd worker: 1 made 10,000 rows/s']);
  });

  it('adds no worker while a session waits on our locks or a reading is near its limit, and adds once they clear', () => {
    const run = started();
    run.controller.health(probe({ waitingOnUs: 1 }));
    expect(run.follow(20, () => 10_000)).toEqual([]);
    run.controller.health(probe({ replicationLagMs: 9_000 }));
    expect(run.follow(20, () => 10_000)).toEqual([]);
    run.controller.health(probe({ replicationLagMs: 1_000 }));
    expect(run.follow(4, () => 10_000).map((c) => c.change)).toEqual(['add']);
  });

  it('when the pool is capped (no connection for another worker), goes down to the cap and stops adding', () => {
    const run = started();
    run.follow(6, (workers) => workers * 10_000);
    expect(run.controller.workers).toBeGreaterThanOrEqual(2);
    const change = run.controller.capped(1, 'the server refused a connection for another worker');
    expect(change).toMatchObject({
      workers: 1,
      max: 1,
      change: 'down',
      reason: 'down to 1: the server refused a connection for another worker',
    });
    expect(run.follow(120, (workers) => workers * 10_000)).toEqual([]);
    expect(run.controller.workers).toBe(1);
  });

  it('names workers in words', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 64].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '64th',
    ]);
  });
});
