// Draws library events: a cli-progress bar on a TTY, a plain line every few seconds otherwise, and
// NDJSON (one event per line) under --json.
import { SingleBar, Presets } from 'cli-progress';
import { describeProgress } from '../catalog/index-build-progress.js';
import type { EventListener, OnlineEvent } from '../events.js';
import { lockRetryLine } from './lock-retry-line.js';

export type ProgressMode = 'tty' | 'plain' | 'json';

export interface ProgressRenderer {
  readonly listener: EventListener;
  stop(): void;
}

export function progressMode(json: boolean): ProgressMode {
  if (json) return 'json';
  return process.stdout.isTTY === true && process.env.CI === undefined ? 'tty' : 'plain';
}

const plainIntervalMs = 3_000;

export function createProgressRenderer(
  mode: ProgressMode,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): ProgressRenderer {
  if (mode === 'json') return { listener: (event) => write(JSON.stringify(event)), stop: () => undefined };
  let bar: SingleBar | undefined;
  let lastPlain = 0;
  /** Whether the last activity was a hold (throttled, paused, waiting), so "running again" is worth a line. */
  let held = false;
  let lastIndexLine = '';
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const say = (line: string): void => {
    if (bar !== undefined) stopBar();
    write(line);
  };
  const listener = (event: OnlineEvent): void => {
    switch (event.type) {
      case 'phase':
        say(`${event.phase}: ${event.migration}`);
        return;
      case 'step':
        say(`  ${event.skipped ? '= already done:' : '✓'} ${event.description}${event.skipped ? '' : ` (${event.durationMs} ms)`}`);
        return;
      case 'lock-retry':
        say(lockRetryLine(event));
        return;
      case 'backfill-start':
        say(
          `  backfill ${event.task}: ~${event.rowsEstimated.toLocaleString('en-US')} rows${event.ranges > 1 ? ` in ${event.ranges} ranges` : ''}` +
            `${event.mode === 'ctid' ? ' (no key: ctid page ranges)' : ''}${event.resumed ? `, resuming after ${event.rowsDone.toLocaleString('en-US')} done` : ''}`,
        );
        if (mode === 'tty') {
          bar = new SingleBar(
            {
              format: '  [{bar}] {percentage}% | {value}/{total} rows | {rps} rows/s | batch {size} | ETA {eta_formatted}',
              hideCursor: true,
              etaBuffer: 50,
            },
            Presets.shades_classic,
          );
          bar.start(Math.max(event.rowsEstimated, event.rowsDone, 1), event.rowsDone, { rps: 0, size: '-' });
        }
        return;
      case 'batch':
        if (bar !== undefined) {
          if (event.rowsDone > bar.getTotal()) bar.setTotal(event.rowsDone);
          bar.update(event.rowsDone, { rps: event.rowsPerSecond.toLocaleString('en-US'), size: event.batchSize.toLocaleString('en-US') });
        } else if (mode === 'plain' && Date.now() - lastPlain >= plainIntervalMs) {
          lastPlain = Date.now();
          const pct = event.rowsEstimated > 0 ? ` (${Math.min(99.9, (100 * event.rowsDone) / event.rowsEstimated).toFixed(1)}%)` : '';
          const left = Math.max(0, event.rowsEstimated - event.rowsDone);
          const eta = event.rowsPerSecond > 0 ? `, ETA ${Math.ceil(left / event.rowsPerSecond)}s` : '';
          write(
            `  ${event.task}: ${event.rowsDone.toLocaleString('en-US')} rows${pct}, ${event.rowsPerSecond.toLocaleString('en-US')} rows/s, batch ${event.batchSize} (${event.serverMs} ms)${eta}`,
          );
        }
        return;
      case 'backfill-done':
        say(`  ✓ backfilled ${event.rowsDone.toLocaleString('en-US')} rows of ${event.task} in ${event.seconds.toFixed(1)}s`);
        return;
      case 'activity':
        if (event.state === 'running') {
          if (held) say('  running again');
          held = false;
          return;
        }
        held = true;
        say(`  ${event.state}: ${event.reason ?? ''}${event.until === null ? '' : `; next window opens ${event.until}`}`);
        return;
      case 'index-progress': {
        const line = `  ${describeProgress(event.index, event)}`;
        if (mode === 'tty' || Date.now() - lastPlain >= plainIntervalMs || line.includes('waiting for pid')) {
          if (line !== lastIndexLine) say(line);
          lastIndexLine = line;
          lastPlain = Date.now();
        }
        return;
      }
      case 'warning':
        say(`  warning: ${event.message}`);
        return;
      case 'connection-lost':
        say(
          `  connection lost (${event.reason}); waiting up to ${Math.round(event.reconnectTimeoutMs / 1000)}s for the server to come back`,
        );
        return;
      case 'reconnected':
        say(`  reconnected after ${(event.downMs / 1000).toFixed(1)}s; resuming from the last committed batch or step`);
        return;
      case 'finished':
        return;
    }
  };
  return { listener, stop: stopBar };
}
