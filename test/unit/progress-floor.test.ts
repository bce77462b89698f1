import { describe, expect, it } from 'vitest';
import { ProgressFloor } from '../../src/throttle/progress-floor.js';
import { minProgressLine } from '../../src/cli/min-progress-line.js';
import { InvalidOptionError } from '../../src/errors/index.js';
import { parseRunOptions } from '../../src/settings/run-options.js';

// 3,600 rows/hour is one row a second: a window of 10 s asks for 10 rows.
const floorOf = (now = 0): ProgressFloor => new ProgressFloor({ rowsPerHour: 3_600, windowMs: 10_000, minBatchSize: 2 }, now);

describe('ProgressFloor', () => {
  it('is not starving before a whole window of running time has passed', () => {
    const floor = floorOf();
    floor.throttled(9_999);
    expect(floor.starving(9_999)).toBeNull();
    floor.throttled(10_000);
    expect(floor.starving(10_000)).toEqual({ rowsInWindow: 0, floorRows: 10, windowMs: 10_000 });
  });

  it('counts only the rows covered inside the trailing window', () => {
    const floor = floorOf();
    floor.covered(1_000, 9);
    floor.covered(6_000, 3);
    floor.throttled(10_500);
    // At 10.5 s both batches are in the window: 12 ≥ 10.
    expect(floor.starving(10_500)).toBeNull();
    // At 11.5 s the first has left it: 3 < 10.
    floor.throttled(11_500);
    expect(floor.starving(11_500)).toEqual({ rowsInWindow: 3, floorRows: 10, windowMs: 10_000 });
  });

  it('is not starving when the throttle did not hold in the window: a slow table is not a starved run', () => {
    const floor = floorOf();
    floor.throttled(500);
    expect(floor.starving(12_000)).toBeNull();
  });

  it('starts the window again after a pause or a closed window', () => {
    const floor = floorOf();
    floor.suspend();
    floor.throttled(20_000);
    expect(floor.starving(29_000)).toBeNull();
    floor.throttled(30_000);
    expect(floor.starving(30_000)).not.toBeNull();
  });

  it('paces batches run anyway at the floor: min batch size over rows per hour', () => {
    const floor = floorOf();
    expect(floor.forcedBatchEveryMs()).toBe(2_000);
    expect(floor.forcedBatchDueInMs(10_000)).toBe(0);
    floor.admitted(10_000);
    expect(floor.forcedBatchDueInMs(10_500)).toBe(1_500);
    expect(floor.forcedBatchDueInMs(12_000)).toBe(0);
  });
});

describe('min progress settings', () => {
  it('refuses the run action without a floor, and a floor the rate cap cannot reach', () => {
    expect(() => parseRunOptions({ minProgressAction: 'run' })).toThrow(InvalidOptionError);
    expect(() => parseRunOptions({ minProgress: 36_001, maxRowsPerSecond: 10 })).toThrow(/rate cap would hold the run below its own floor/);
    expect(parseRunOptions({ minProgress: 36_000, maxRowsPerSecond: 10, minProgressAction: 'run' })).toMatchObject({
      minProgress: 36_000,
      minProgressAction: 'run',
      minProgressWindowMs: 900_000,
    });
  });

  it('says what the run covered against the floor and why it was held', () => {
    expect(
      minProgressLine({
        rowsInWindow: 12,
        floorRows: 2_500,
        windowMs: 900_000,
        rowsPerHour: 10_000,
        throttle: 'replication lag 14s > 10s',
        forcedBatchEveryMs: 3_600,
      }),
    ).toBe(
      'below --min-progress (10,000 rows/h): 12 rows in the last 15m, floor 2,500; held by replication lag 14s > 10s; a batch of --min-batch-size runs anyway every 3.6s',
    );
  });
});
