// Durations as run settings spell them on the command line and in the config: `500ms`, `1s`, `2m`
// (or `2min`), `1h`. A unit is required: `--lock-timeout 1` could mean 1 ms or 1 s, so a bare number
// is refused, except 0 (no limit, or no wait, in any unit) and where the setting's name says its unit
// (`--target-batch-ms 100`).
import { z } from 'zod';

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const aliases: Record<string, string> = { min: 'm' };

/** The units a duration takes, as its error names them. */
export const durationUnits = 'ms, s, m (or min), h';
export const durationProblem = `must be a duration with a unit (${durationUnits}), like 500ms, 1s, 2m or 1h`;

const durationText = /^(\d+(?:\.\d+)?)(ms|s|min|m|h)?$/;

/** A duration's text to ms; `bareUnit` is the unit of a bare number, for a setting named after its unit. */
export function durationMs(bareUnit?: 'ms'): z.ZodType<number, string> {
  return z
    .string()
    .trim()
    .superRefine((text, ctx) => {
      const match = durationText.exec(text);
      if (match === null) ctx.addIssue({ code: 'custom', message: durationProblem });
      else if (match[2] === undefined && bareUnit === undefined && Number(match[1]) !== 0) {
        ctx.addIssue({ code: 'custom', message: `needs a unit: ${text}ms or ${text}s? (units: ${durationUnits})` });
      }
    })
    .transform((text) => {
      const [, amount, unit] = durationText.exec(text) ?? [];
      const size = units[aliases[unit ?? ''] ?? unit ?? bareUnit ?? 'ms'] ?? 1;
      return Math.round(Number(amount) * size);
    });
}

/** `300000` → `5m`, `30000` → `30s`, `100` → `100ms`: in the largest unit that divides it. */
export function formatDuration(ms: number): string {
  const [unit, size] = Object.entries(units)
    .reverse()
    .find(([, size]) => ms !== 0 && ms % size === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
}
