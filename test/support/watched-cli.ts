// A CLI run in a child process whose NDJSON events a test watches as they arrive, and polling helpers.
import type { ChildProcess } from 'node:child_process';
import { jsonLines, spawnCli } from './run-cli.js';

export type Event = Record<string, unknown>;

/**
 * How long `until` and `eventually` wait for a state before they fail. Not a claim about speed: on a
 * busy 2-core machine a CLI takes seconds just to start, so this only bounds a wait that would
 * otherwise hang, and names what was awaited.
 */
export const patienceMs = 120_000;

/** A CLI run in a child process whose NDJSON events the test watches as they arrive. */
export interface WatchedRun {
  readonly child: ChildProcess;
  /** The complete event lines so far. (No arrival times: a test waits on events, it does not time them.) */
  events(): Event[];
  /** Resolves once the events satisfy `ready`; fails if the run exits first or `timeoutMs` (default patienceMs) passes. */
  until(ready: (events: Event[]) => boolean, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<{ readonly code: number | null }>;
  stderr(): string;
}

const running = new Set<ChildProcess>();

/** Kills every watched run still alive (for afterEach). */
export function killWatchedRuns(): void {
  for (const child of running) child.kill('SIGKILL');
}

export function watchCli(args: readonly string[], url: string): WatchedRun {
  const child = spawnCli(args, url);
  running.add(child);
  const arrived: Event[] = [];
  let pending = '';
  let stderr = '';
  let code: number | null | undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const end = pending.lastIndexOf('\n');
    if (end < 0) return;
    arrived.push(...jsonLines(pending.slice(0, end + 1)));
    pending = pending.slice(end + 1);
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null }>((resolve) =>
    child.on('close', (c) => {
      code = c;
      running.delete(child);
      resolve({ code: c });
    }),
  );
  const events = (): Event[] => [...arrived];
  return {
    child,
    events,
    exited,
    stderr: () => stderr,
    async until(ready, timeoutMs = patienceMs) {
      const deadline = performance.now() + timeoutMs;
      while (!ready(events())) {
        if (code !== undefined)
          throw new Error(`the run exited (${code}) first; stderr: ${stderr}; last events: ${JSON.stringify(events().slice(-3))}`);
        if (performance.now() > deadline) throw new Error(`timed out; last events: ${JSON.stringify(events().slice(-3))}`);
        await sleep(20);
      }
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Polls `read` until `ok` holds, failing after `timeoutMs`; returns the value that satisfied it. */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = patienceMs): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (performance.now() > deadline) throw new Error(`condition not reached in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await sleep(50);
  }
}
