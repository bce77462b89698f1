// Parses durations given on the command line: `500ms`, `1s`, `2m`, `1h`, or a bare number of ms.
import { z } from 'zod';
import { InvalidOptionError } from '../errors/index.js';

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

export const durationMs = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)?$/, 'must be a duration like 500ms, 1s, 2m or 1h')
  .transform((text) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
    return Math.round(Number(match?.[1]) * (units[match?.[2] ?? 'ms'] ?? 1));
  });

export function parseDuration(flag: string, text: string): number {
  const parsed = durationMs.safeParse(text);
  if (!parsed.success) throw new InvalidOptionError(`--${flag} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  return parsed.data;
}
