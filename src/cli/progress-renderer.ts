// Draws library events: a cli-progress bar on a TTY, a plain line every few seconds otherwise, and
// NDJSON (one event per line) under --json. The bar is redrawn at the true position after anything is
// said above it, and at every hold and every return to running: while the worker holds it shows the
// reason, and no rate or ETA. Every number drawn goes through progress-numbers.ts (never NaN or Infinity).
import { minProgressLine } from './min-progress-line.js';
import { SingleBar, Presets } from 'cli-progress';
import { describeProgress } from '../catalog/index-build-progress.js';
import type { EventListener, OnlineEvent } from '../events.js';
import { hazardLine } from './hazards-printer.js';
import { lockRetryLine } from './lock-retry-line.js';
import { backfillLine, percentText, type BackfillFrame } from './progress-numbers.js';
import { blockerCancelLine } from './blocker-cancel-line.js';

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
/** The bar's units: tenths of a percent. */
const barTotal = 1_000;

/** Renderers drawing now, so that a signal line can take the bar down before it is written. */
const drawing = new Set<ProgressRenderer>();

/** Stops every bar being drawn (the signal handler calls it before it writes its line). */
export function stopProgressBars(): void {
  for (const renderer of drawing) renderer.stop();
}

export function createProgressRenderer(
  mode: ProgressMode,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): ProgressRenderer {
  if (mode === 'json') return { listener: (event) => write(JSON.stringify(event)), stop: () => undefined };
  let bar: SingleBar | undefined;
  let lastPlain = 0;
  /** The backfill being drawn: where it stands and whether the worker holds (with the reason). */
  let frame: BackfillFrame | undefined;
  /** A plain line is due at the next batch whatever the interval (after a hold or a message). */
  let plainDue = false;
  /** Whether the last activity was a hold, so "running again" is worth a line. */
  let held = false;
  let lastIndexLine = '';
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
    drawing.delete(renderer);
  };
  const draw = (): void => {
    if (frame === undefined) return;
    const line = backfillLine(frame);
    if (mode === 'plain') {
      lastPlain = Date.now();
      plainDue = false;
      write(`  ${frame.task}: ${line}`);
      return;
    }
    const value = Math.round((frame.percent / 100) * barTotal);
    if (bar === undefined) {
      bar = new SingleBar({ format: '  [{bar}] {line}', hideCursor: true, stream: process.stdout }, Presets.shades_classic);
      bar.start(barTotal, value, { line });
      drawing.add(renderer);
    } else bar.update(value, { line });
  };
  const say = (line: string): void => {
    stopBar();
    write(line);
    plainDue = true;
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
      case 'blocker-cancel':
        say(blockerCancelLine(event));
        return;
      case 'backfill-start':
        say(
          `  backfill ${event.task}: ~${event.rowsEstimated.toLocaleString('en-US')} rows${event.ranges > 1 ? ` in ${event.ranges} ranges` : ''}` +
            `${event.mode === 'ctid' ? ' (ctid page ranges)' : ''}` +
            `${event.resumed ? `, resuming after ${event.rowsDone.toLocaleString('en-US')} done, at ${percentText(event.percent)}` : ''}`,
        );
        frame = {
          task: event.task,
          percent: event.percent,
          rowsDone: event.rowsDone,
          rowsPerSecond: null,
          etaSeconds: null,
          batchSize: null,
          hold: null,
        };
        if (mode === 'tty') draw();
        return;
      case 'batch': {
        const hold = frame?.task === event.task ? frame.hold : null;
        const { task, percent, rowsDone, rowsPerSecond, etaSeconds, batchSize } = event;
        frame = { task, percent, rowsDone, rowsPerSecond, etaSeconds, batchSize, hold, done: event.fraction >= 1 };
        if (mode === 'tty' || plainDue || Date.now() - lastPlain >= plainIntervalMs) draw();
        return;
      }
      case 'backfill-done':
        if (frame !== undefined && frame.task === event.task) {
          frame = { ...frame, percent: 100, rowsDone: event.rowsDone, rowsPerSecond: null, etaSeconds: null, hold: null, done: true };
          if (mode === 'tty') draw();
        }
        frame = undefined;
        say(`  ✓ ${closingLine(event)}`);
        return;
      case 'activity': {
        if (event.state === 'running') {
          if (!held) return;
          held = false;
          say('  running again');
          if (frame !== undefined) {
            frame = { ...frame, hold: null, rowsPerSecond: null, etaSeconds: null };
            // The bar comes back at once; a plain line follows with the next batch (it is due now).
            if (mode === 'tty') draw();
          }
          return;
        }
        held = true;
        const reason = `${event.state}: ${event.reason ?? ''}${event.until === null ? '' : `; next window opens ${event.until}`}`;
        say(`  ${reason}`);
        if (frame !== undefined) {
          frame = { ...frame, hold: reason, rowsPerSecond: null, etaSeconds: null };
          draw();
        }
        return;
      }
      case 'workers':
        say(`  workers: ${event.reason}`);
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
      case 'min-progress':
        say(`  warning: ${minProgressLine(event)}`);
        if (mode === 'tty') draw();
        return;
      case 'warning':
        say(`  warning: ${event.message}`);
        if (mode === 'tty') draw();
        return;
      case 'hazard':
        say(`  ${hazardLine(event.hazard)}`);
        if (mode === 'tty') draw();
        return;
      case 'connection-lost':
        say(
          `  connection lost (${event.reason}); waiting up to ${Math.round(event.reconnectTimeoutMs / 1000)}s for the server to come back`,
        );
        return;
      case 'reconnected':
        say(`  reconnected after ${(event.downMs / 1000).toFixed(1)}s; resuming from the last committed batch or step`);
        return;
      // Work stealing moves no bar: the task's percent stays where it was. NDJSON carries the split.
      case 'range-split':
      case 'finished':
        return;
    }
  };
  const renderer: ProgressRenderer = { listener, stop: stopBar };
  return renderer;
}

/**
 * What a finished backfill pass did: a verify pass verifies (and says how many rows it updated); a
 * resumed pass gives the rows of all its runs and those of this run, which its time is of.
 */
function closingLine(event: Extract<OnlineEvent, { type: 'backfill-done' }>): string {
  const count = (n: number): string => `${n.toLocaleString('en-US')} ${n === 1 ? 'row' : 'rows'}`;
  const time = `${event.seconds.toFixed(1)}s`;
  const resumed = event.rowsThisRun < event.rowsDone;
  if (event.pass === 'verify') {
    const updated = resumed
      ? `${count(event.rowsDone)} updated in all, ${event.rowsThisRun.toLocaleString('en-US')} in this run`
      : `${count(event.rowsThisRun)} updated`;
    return `verified ${event.task} in ${time}: ${updated}`;
  }
  if (resumed) return `backfilled ${count(event.rowsDone)} of ${event.task} in all, ${count(event.rowsThisRun)} in this run in ${time}`;
  return `backfilled ${count(event.rowsDone)} of ${event.task} in ${time}`;
}
