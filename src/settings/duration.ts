// Durations as run settings spell them on the command line and in the config: `500ms`, `1s`, `2m`,
// `1h`, or a bare number of ms.
import { z } from 'zod';

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

export const durationMs = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)?$/, 'must be a duration like 500ms, 1s, 2m or 1h')
  .transform((text) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
    return Math.round(Number(match?.[1]) * (units[match?.[2] ?? 'ms'] ?? 1));
  });

/** `300000` → `5m`, `30000` → `30s`, `100` → `100ms`: in the largest unit that divides it. */
export function formatDuration(ms: number): string {
  const [unit, size] = Object.entries(units)
    .reverse()
    .find(([, size]) => ms !== 0 && ms % size === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
}
