// Byte sizes for flags and status text: `512MB`, `1.5 GB`, `100kB` or plain bytes, in powers of 1024
// (as PostgreSQL's own settings and pg_size_pretty count them).
import { InvalidOptionError } from '../errors/index.js';

const KIB = 1024;
const multipliers: Readonly<Record<string, number>> = {
  b: 1,
  k: KIB,
  kb: KIB,
  kib: KIB,
  m: KIB ** 2,
  mb: KIB ** 2,
  mib: KIB ** 2,
  g: KIB ** 3,
  gb: KIB ** 3,
  gib: KIB ** 3,
  t: KIB ** 4,
  tb: KIB ** 4,
  tib: KIB ** 4,
};
const displayUnits = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;
const pattern = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i;

/**
 * Parses `1024`, `100kB`, `512MB`, `1.5 GB`, `2TiB` (units case-insensitive, 1 kB = 1024 bytes) into whole bytes.
 * `flag` names the option in the error message, e.g. `max-retained-wal`.
 */
export function parseByteSize(text: string, flag?: string): number {
  const match = pattern.exec(text.trim());
  const multiplier = match === null ? undefined : multipliers[(match[2] ?? '').toLowerCase() || 'b'];
  const bytes = match === null || multiplier === undefined ? Number.NaN : Math.round(Number(match[1]) * multiplier);
  if (!Number.isSafeInteger(bytes)) {
    const subject = flag === undefined ? `"${text}"` : `--${flag} "${text}"`;
    const why = match === null ? 'not a size' : multiplier === undefined ? `unknown unit "${match[2] ?? ''}"` : 'too large';
    throw new InvalidOptionError(
      `${subject}: ${why} (expected a number of bytes with an optional unit B, kB, MB, GB or TB in powers of 1024, e.g. 1024, 100kB, 512MB, 1.5 GB)`,
    );
  }
  return bytes;
}

/** `2254857830` → `2.1 GB`, `1073741824` → `1 GB`, `512` → `512 B`: at most one decimal, trailing `.0` dropped. */
export function formatBytes(bytes: number): string {
  let value = Math.abs(bytes);
  let unit = 0;
  while (unit < displayUnits.length - 1 && Number(value.toFixed(1)) >= KIB) {
    value /= KIB;
    unit += 1;
  }
  const rounded = unit === 0 ? Math.round(value) : Number(value.toFixed(1));
  return `${bytes < 0 ? '-' : ''}${rounded} ${displayUnits[unit]}`;
}
