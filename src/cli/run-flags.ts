// Flags of commands that run a migration (start, resume): batch sizing, throttling, health limits,
// windows and lock behaviour. Only the flags given are returned, so on resume absent flags keep the
// stored options. Values are validated again by the run options' zod schema.
import { Flags } from '@oclif/core';
import { InvalidOptionError } from '../errors/index.js';
import type { RunOptionsInput } from '../settings/run-options.js';
import { parseByteSize } from '../throttle/byte-size.js';
import { parseDuration } from './duration.js';

const sizing = 'BATCH SIZING';
const throttle = 'THROTTLE';
const schedule = 'SCHEDULE';
const locks = 'LOCKS';

export const runFlags = {
  'batch-size': Flags.integer({ summary: 'Rows in the first batch; adaptive sizing moves it. [default: 1000]', helpGroup: sizing, min: 1 }),
  'target-batch-ms': Flags.string({
    summary: 'Server-side time each batch aims for (bounds row-lock waits), e.g. 100ms. [default: 100ms]',
    helpGroup: sizing,
  }),
  'min-batch-size': Flags.integer({ summary: 'Smallest batch. Set min = max for a fixed size. [default: 10]', helpGroup: sizing, min: 1 }),
  'max-batch-size': Flags.integer({ summary: 'Largest batch. [default: 50000]', helpGroup: sizing, min: 1 }),
  'statement-timeout': Flags.string({
    summary: 'Per batch; a batch that hits it is retried at half size. [default: 30s]',
    helpGroup: sizing,
  }),
  concurrency: Flags.integer({
    summary: 'Key ranges backfilled in parallel, each with its own cursor; the split is made at backfill start. [default: 1]',
    helpGroup: sizing,
    min: 1,
    max: 64,
  }),
  'max-rows-per-second': Flags.integer({
    summary: 'Rate cap over all ranges (token bucket); 0 = none. [default: unlimited]',
    helpGroup: throttle,
    min: 0,
  }),
  'pause-ms': Flags.integer({ summary: 'Milliseconds to sleep between batches. [default: 0]', helpGroup: throttle, min: 0 }),
  'max-replication-lag': Flags.string({
    summary: 'Hold batches while a standby lags more, e.g. 10s; 0 = never. [default: 10s]',
    helpGroup: throttle,
  }),
  'max-retained-wal': Flags.string({
    summary: 'Hold batches while a replication slot retains more WAL, e.g. 5GB; 0 = never. [default: unlimited]',
    helpGroup: throttle,
  }),
  'max-active-sessions': Flags.integer({
    summary: 'Hold batches while more other sessions are active; 0 = never. [default: unlimited]',
    helpGroup: throttle,
    min: 0,
  }),
  'throttle-query': Flags.string({
    summary: 'SQL returning one boolean; batches hold while it returns true. Runs read-only; "" removes a stored one.',
    helpGroup: throttle,
  }),
  'probe-interval': Flags.string({ summary: 'How often the health probes and the throttle query run. [default: 2s]', helpGroup: throttle }),
  'exit-on-pause': Flags.boolean({ summary: 'Exit 3 when paused (`online pause`) instead of idling.', helpGroup: throttle, allowNo: true }),
  window: Flags.string({
    summary: 'Run batches only in HH:MM-HH:MM (repeatable; may cross midnight); 00:00-24:00 = always.',
    helpGroup: schedule,
    multiple: true,
  }),
  timezone: Flags.string({ summary: "IANA time zone of --window. [default: this machine's zone]", helpGroup: schedule }),
  'window-exit': Flags.boolean({
    summary: 'Exit 3 outside the windows instead of waiting for the next one.',
    helpGroup: schedule,
    allowNo: true,
  }),
  'max-duration': Flags.string({
    summary: 'Stop (exit 3, resumable) after this long in one run, e.g. 2h; 0 = no limit.',
    helpGroup: schedule,
  }),
  'lock-timeout': Flags.string({
    summary: 'Longest wait for a lock per DDL attempt or batch, e.g. 1s or 500ms. [default: 1s]',
    helpGroup: locks,
  }),
  'lock-retries': Flags.integer({
    summary: 'Attempts before failing with the blocking sessions named. [default: 30]',
    helpGroup: locks,
    min: 1,
  }),
  'reconnect-timeout': Flags.string({
    summary:
      'How long to wait for a server that went away mid-run (restart, failover) before exit 1, e.g. 10m; 0 = do not wait. [default: 5m]',
    helpGroup: locks,
  }),
};

export interface RunFlagValues {
  readonly 'batch-size'?: number;
  readonly 'target-batch-ms'?: string;
  readonly 'min-batch-size'?: number;
  readonly 'max-batch-size'?: number;
  readonly 'statement-timeout'?: string;
  readonly concurrency?: number;
  readonly 'max-rows-per-second'?: number;
  readonly 'pause-ms'?: number;
  readonly 'max-replication-lag'?: string;
  readonly 'max-retained-wal'?: string;
  readonly 'max-active-sessions'?: number;
  readonly 'throttle-query'?: string;
  readonly 'probe-interval'?: string;
  readonly 'exit-on-pause'?: boolean;
  readonly window?: string[];
  readonly timezone?: string;
  readonly 'window-exit'?: boolean;
  readonly 'max-duration'?: string;
  readonly 'lock-timeout'?: string;
  readonly 'lock-retries'?: number;
  readonly 'reconnect-timeout'?: string;
}

const duration = (flag: string, text: string | undefined): number | undefined =>
  text === undefined ? undefined : parseDuration(flag, text);

/** For limits: 0 (or "") given on the command line means "no limit", which also clears a stored one on resume. */
const limit = (value: number | undefined): number | null | undefined => (value === 0 ? null : value);

export function runOptionsFromFlags(f: RunFlagValues): RunOptionsInput {
  return {
    batchSize: f['batch-size'],
    targetBatchMs: duration('target-batch-ms', f['target-batch-ms']),
    minBatchSize: f['min-batch-size'],
    maxBatchSize: f['max-batch-size'],
    statementTimeoutMs: duration('statement-timeout', f['statement-timeout']),
    concurrency: f.concurrency,
    maxRowsPerSecond: limit(f['max-rows-per-second']),
    pauseMs: f['pause-ms'],
    maxReplicationLagMs: limit(duration('max-replication-lag', f['max-replication-lag'])),
    maxRetainedWalBytes: limit(f['max-retained-wal'] === undefined ? undefined : parseByteSize(f['max-retained-wal'], 'max-retained-wal')),
    maxActiveSessions: limit(f['max-active-sessions']),
    throttleQuery: f['throttle-query'] === undefined ? undefined : f['throttle-query'].trim() === '' ? null : f['throttle-query'],
    probeIntervalMs: duration('probe-interval', f['probe-interval']),
    exitOnPause: f['exit-on-pause'],
    windows: f.window,
    timezone: f.timezone,
    windowExit: f['window-exit'],
    maxDurationMs: limit(duration('max-duration', f['max-duration'])),
    lockTimeoutMs: duration('lock-timeout', f['lock-timeout']),
    lockRetries: f['lock-retries'],
    reconnectTimeoutMs: duration('reconnect-timeout', f['reconnect-timeout']),
  };
}

/** The flag that sets each run option, for error messages in flag terms. */
const flagOfOption: Readonly<Record<string, string>> = {
  batchSize: 'batch-size',
  minBatchSize: 'min-batch-size',
  maxBatchSize: 'max-batch-size',
  targetBatchMs: 'target-batch-ms',
  statementTimeoutMs: 'statement-timeout',
  maxRowsPerSecond: 'max-rows-per-second',
  pauseMs: 'pause-ms',
  concurrency: 'concurrency',
  maxReplicationLagMs: 'max-replication-lag',
  maxRetainedWalBytes: 'max-retained-wal',
  maxActiveSessions: 'max-active-sessions',
  throttleQuery: 'throttle-query',
  probeIntervalMs: 'probe-interval',
  windows: 'window',
  timezone: 'timezone',
  windowExit: 'window-exit',
  exitOnPause: 'exit-on-pause',
  maxDurationMs: 'max-duration',
  lockTimeoutMs: 'lock-timeout',
  lockRetries: 'lock-retries',
  reconnectTimeoutMs: 'reconnect-timeout',
};

/** Rewrites a run-option error (`invalid option maxDurationMs: …`) in the flag's terms (`--max-duration: …`). */
export function inFlagTerms(error: unknown): unknown {
  if (!(error instanceof InvalidOptionError) || error.option === undefined) return error;
  const flag = flagOfOption[error.option];
  if (flag === undefined) return error;
  return new InvalidOptionError(error.message.replace(/^invalid option [\w.]+:/, `--${flag}:`), error.option);
}
