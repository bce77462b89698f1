// Options of a run, validated at the edge and stored with the migration so `resume` keeps them.
import { z } from 'zod';

export const runOptionsSchema = z
  .object({
    batchSize: z.number().int().min(1).max(1_000_000).default(1_000),
    pauseMs: z.number().int().min(0).max(3_600_000).default(0),
    lockTimeoutMs: z.number().int().min(1).max(600_000).default(1_000),
    lockRetries: z.number().int().min(1).max(10_000).default(30),
    /** Run contract right after backfill (`start --complete`). */
    complete: z.boolean().default(false),
  })
  .strict();

export type RunOptions = z.infer<typeof runOptionsSchema>;
export type RunOptionsInput = z.input<typeof runOptionsSchema>;

export const defaultRunOptions: RunOptions = runOptionsSchema.parse({});
