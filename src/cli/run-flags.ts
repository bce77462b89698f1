// Flags of commands that run a migration (start, resume): backfill pacing and lock behaviour.
import { Flags } from '@oclif/core';
import type { RunOptionsInput } from '../run-options.js';
import { parseDuration } from './duration.js';

export const runFlags = {
  'batch-size': Flags.integer({ summary: 'Rows per backfill batch.', helpGroup: 'BACKFILL', min: 1 }),
  'pause-ms': Flags.integer({ summary: 'Milliseconds to sleep between batches.', helpGroup: 'BACKFILL', min: 0 }),
  'lock-timeout': Flags.string({ summary: 'Longest wait for a lock per DDL attempt, e.g. 1s or 500ms. [default: 1s]', helpGroup: 'LOCKS' }),
  'lock-retries': Flags.integer({ summary: 'DDL attempts before failing with the blocking sessions named. [default: 30]', helpGroup: 'LOCKS', min: 1 }),
};

/** Only the flags given: on resume, absent flags keep the stored options. */
export function runOptionsFromFlags(flags: {
  'batch-size'?: number;
  'pause-ms'?: number;
  'lock-timeout'?: string;
  'lock-retries'?: number;
}): RunOptionsInput {
  return {
    batchSize: flags['batch-size'],
    pauseMs: flags['pause-ms'],
    lockTimeoutMs: flags['lock-timeout'] === undefined ? undefined : parseDuration('lock-timeout', flags['lock-timeout']),
    lockRetries: flags['lock-retries'],
  };
}
