// Options of a run, validated at the edge and stored with the migration so a plain `resume` keeps them:
// batch sizing, throttling, health limits, windows, and lock behaviour.
import { z } from 'zod';
import { isTimeZone, localTimeZone, parseWindow } from '../throttle/schedule-window.js';

const windowText = z.string().superRefine((text, ctx) => {
  try {
    parseWindow(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
  }
});

const optionalLimit = z.number().int().min(1).nullable();

export const runOptionsSchema = z
  .object({
    /** The first batch's size; adaptive sizing moves it toward targetBatchMs within [min, max]. */
    batchSize: z.number().int().min(1).max(1_000_000).default(1_000),
    minBatchSize: z.number().int().min(1).max(1_000_000).default(10),
    maxBatchSize: z.number().int().min(1).max(1_000_000).default(50_000),
    /** Server-side execution time each batch aims for: it bounds how long a row lock can delay the application. */
    targetBatchMs: z.number().int().min(1).max(600_000).default(100),
    /** Per batch statement; a batch that hits it is retried at half size. */
    statementTimeoutMs: z.number().int().min(1).max(86_400_000).default(30_000),
    maxRowsPerSecond: optionalLimit.default(null),
    pauseMs: z.number().int().min(0).max(3_600_000).default(0),
    /** Parallel key ranges, each with its own cursor and connection. */
    concurrency: z.number().int().min(1).max(64).default(1),
    maxReplicationLagMs: optionalLimit.default(10_000),
    maxRetainedWalBytes: optionalLimit.default(null),
    maxActiveSessions: optionalLimit.default(null),
    /** SQL returning one boolean: the run throttles while it returns true. */
    throttleQuery: z.string().trim().min(1).nullable().default(null),
    /** How often the health probes run. */
    probeIntervalMs: z.number().int().min(100).max(600_000).default(2_000),
    /** `HH:MM-HH:MM` windows in `timezone`; empty = always. */
    windows: z.array(windowText).default([]),
    /** IANA zone of the windows; default: this machine's zone when the migration starts (then stored). */
    timezone: z.string().refine(isTimeZone, { message: 'is not a known IANA time zone (e.g. Europe/Berlin, UTC)' }).default(localTimeZone),
    /** Exit 3 when outside the windows instead of waiting for the next one. */
    windowExit: z.boolean().default(false),
    /** Exit 3 when paused instead of idling. */
    exitOnPause: z.boolean().default(false),
    /** Stop (exit 3) after this long in one run. */
    maxDurationMs: optionalLimit.default(null),
    lockTimeoutMs: z.number().int().min(1).max(600_000).default(1_000),
    lockRetries: z.number().int().min(1).max(10_000).default(30),
    /**
     * How long a run waits for a server that went away (restart, failover, our backend terminated)
     * before it gives up with exit 1; it then reconnects, retakes its lease and resumes. 0: give up at once.
     */
    reconnectTimeoutMs: z.number().int().min(0).max(86_400_000).default(300_000),
    /** Run contract right after backfill (`start --complete`). */
    complete: z.boolean().default(false),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.minBatchSize > o.maxBatchSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['minBatchSize'],
        message: `min batch size ${o.minBatchSize} is greater than max batch size ${o.maxBatchSize}`,
      });
    } else if (o.batchSize < o.minBatchSize || o.batchSize > o.maxBatchSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['batchSize'],
        message: `batch size ${o.batchSize} is outside [min ${o.minBatchSize}, max ${o.maxBatchSize}]; set the min or max batch size too`,
      });
    }
  });

export type RunOptions = z.infer<typeof runOptionsSchema>;
export type RunOptionsInput = z.input<typeof runOptionsSchema>;

export const defaultRunOptions: RunOptions = runOptionsSchema.parse({});
