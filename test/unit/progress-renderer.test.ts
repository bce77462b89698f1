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
