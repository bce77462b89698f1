// The plain progress lines: the true percent after a pause, the reason and no rate or ETA while held, and never a non-finite number.
import { describe, expect, it } from 'vitest';
import type { OnlineEvent } from '../../src/events.js';
import { createProgressRenderer } from '../../src/cli/progress-renderer.js';
import { backfillLine, count, etaText, percentText, rateText } from '../../src/cli/progress-numbers.js';

const migration = 'm';
const task = 'public.tickets.priority';

function batch(percent: number, rowsDone: number, rowsPerSecond: number | null, eta: number | null): OnlineEvent {
  return {
    type: 'batch',
    migration,
    task,
    range: 0,
    rowsDone,
    rowsEstimated: 2_073_979,
    rowsExpected: rowsDone,
    fraction: percent / 100,
    percent,
    batchRows: 1_000,
    batchSize: 1_000,
    serverMs: 10,
    batchMs: 12,
    rowsPerSecond,
    etaSeconds: eta,
  };
}

const activity = (state: 'running' | 'paused' | 'throttled', reason: string | null): OnlineEvent => ({
  type: 'activity',
  migration,
  state,
  reason,
  until: null,
});

function render(events: readonly OnlineEvent[]): string[] {
  const lines: string[] = [];
  const renderer = createProgressRenderer('plain', (l) => lines.push(l));
  for (const e of events) renderer.listener(e);
  renderer.stop();
  return lines;
}

describe('plain progress renderer', () => {
  const start: OnlineEvent = {
    type: 'backfill-start',
    migration,
    task,
    rowsEstimated: 1_000_000,
    rowsDone: 0,
    percent: 0,
    resumed: false,
    ranges: 1,
    mode: 'key',
  };

  it('after pause and unpause shows the true percent, and no rate or ETA while held', () => {
    const lines = render([
      start,
      activity('running', null),
      batch(10, 100_000, null, null),
      batch(26, 260_000, 10_000, 74),
      activity('paused', 'paused by `online pause`'),
      activity('running', null),
      batch(72, 720_000, null, null),
    ]);
    const held = lines.filter((l) => l.includes('paused by'));
    expect(held.length).toBeGreaterThan(0);
    for (const l of held) {
      expect(l).not.toMatch(/rows\/s|ETA/);
    }
    expect(held.at(-1)).toContain('26%');
    const afterUnpause = lines.slice(lines.indexOf('  running again') + 1);
    expect(afterUnpause[0]).toContain('72%');
    expect(afterUnpause[0]).not.toMatch(/rows\/s|ETA/);
  });

  it('a throttle hold names its reason, and the first line after it is drawn at once', () => {
    const lines = render([
      start,
      batch(40, 400_000, 9_000, 60),
      activity('throttled', 'replication lag 12s > 5s'),
      activity('running', null),
      batch(41, 410_000, null, null),
    ]);
    expect(lines).toContain('  throttled: replication lag 12s > 5s');
    expect(lines.find((l) => l.includes('replication lag') && l.includes('40%'))).toBeDefined();
    expect(lines.at(-1)).toContain('41%');
  });

  it('--concurrency auto: each change of the workers wanted is a short line with its reason', () => {
    const workers = (n: number, change: 'start' | 'add' | 'back' | 'down', reason: string): OnlineEvent => ({
      type: 'workers',
      migration,
      workers: n,
      max: 4,
      change,
      reason,
    });
    const lines = render([
      start,
      workers(1, 'start', 'starting with 1 worker; adds one while rows/s rises 10% or more and health allows, up to 4'),
      batch(10, 100_000, 14_000, 60),
      workers(2, 'add', 'added a 2nd worker: 1 made 14,000 rows/s'),
      workers(1, 'down', 'down to 1: 4 sessions waiting on our locks'),
      batch(30, 300_000, 15_000, 50),
    ]);
    expect(lines.filter((l) => l.startsWith('  workers: '))).toEqual([
      '  workers: starting with 1 worker; adds one while rows/s rises 10% or more and health allows, up to 4',
      '  workers: added a 2nd worker: 1 made 14,000 rows/s',
      '  workers: down to 1: 4 sessions waiting on our locks',
    ]);
    expect(lines.at(-1)).toContain('30%');
  });

  it('never prints a non-finite number', () => {
    const lines = render([start, batch(Number.NaN, Number.NaN, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)]);
    expect(lines.join('\n')).not.toMatch(/NaN|Infinity|NFs/);
  });
});

describe('progress numbers', () => {
  it('format finite numbers only', () => {
    expect(count(Number.NaN)).toBe('?');
    expect(percentText(Number.POSITIVE_INFINITY)).toBe('0%');
    expect(percentText(142)).toBe('100%');
    expect(etaText(Number.POSITIVE_INFINITY)).toBeNull();
    expect(etaText(95)).toBe('ETA 95s');
    expect(etaText(3_900)).toBe('ETA 65m');
    expect(rateText(Number.NaN)).toBeNull();
    expect(backfillLine({ task, percent: 100, rowsDone: 5, rowsPerSecond: 3, etaSeconds: 95, batchSize: 1, hold: null, done: true })).toBe(
      '100% | 5 rows updated | done',
    );
  });
});

describe('closing line of a backfill pass', () => {
  const done = (over: Partial<Extract<OnlineEvent, { type: 'backfill-done' }>>): OnlineEvent => ({
    type: 'backfill-done',
    migration,
    task,
    rowsDone: 500_000,
    rowsThisRun: 500_000,
    seconds: 11.94,
    pass: 'fill',
    ...over,
  });

  it('a fill says the rows it backfilled and its time', () => {
    expect(render([done({})])).toContain('  ✓ backfilled 500,000 rows of public.tickets.priority in 11.9s');
  });

  it('a resumed fill says the rows in all and those of this run, which its time is of', () => {
    expect(render([done({ rowsThisRun: 367_000 })])).toContain(
      '  ✓ backfilled 500,000 rows of public.tickets.priority in all, 367,000 rows in this run in 11.9s',
    );
  });

  it('a verify pass says it verified, and how many rows it updated', () => {
    const lines = render([done({ task: `${task}:verify`, rowsDone: 0, rowsThisRun: 0, seconds: 13.3, pass: 'verify' })]);
    expect(lines).toContain('  ✓ verified public.tickets.priority:verify in 13.3s: 0 rows updated');
    expect(lines.join('\n')).not.toContain('backfilled');
  });
});
