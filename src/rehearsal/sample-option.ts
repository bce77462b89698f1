// `--sample 1%`: the percent of each table's rows the rehearsal's copy holds, read as a fraction.
import { z } from 'zod';
import { InvalidOptionError } from '../errors/index.js';

const samplePercent = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?%$/, 'must be a percent, like 1% or 0.5%')
  .transform((text) => Number(text.slice(0, -1)) / 100)
  .refine((fraction) => fraction > 0 && fraction <= 1, 'must be more than 0% and at most 100%');

/** `1%` → 0.01; throws InvalidOptionError naming `--sample`. */
export function parseSample(text: string): number {
  const parsed = samplePercent.safeParse(text);
  if (!parsed.success)
    throw new InvalidOptionError(`--sample ${parsed.error.issues[0]?.message ?? 'is invalid'} (got ${JSON.stringify(text)})`);
  return parsed.data;
}
