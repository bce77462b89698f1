// The name of the next spec file in a migrations directory, so that file-name order is creation order:
//   - `NNNN-<slug>.yaml`: one more than the highest number prefix, as wide as that prefix (4 digits
//     in an empty directory, wider when the number needs it);
//   - `YYYYMMDDHHMMSS-<slug>.yaml` (UTC) with --timestamp, and by default in a directory whose specs
//     all have timestamp prefixes; always later than the latest existing timestamp.
// In a directory that mixes both styles, numbers are kept unless --timestamp is given.
import { extname } from 'node:path';
import { InvalidOptionError } from '../errors/index.js';
import { specExtensions } from '../migration-spec/spec-directory.js';

const numberPrefix = /^(\d+)(?=[-_.])/;
const timestampDigits = 14;
const defaultWidth = 4;
const maxSlugLength = 60;

/** Lower-case letters, digits and single dashes, from a free-text description. */
export function slugOf(description: string): string {
  const slug = description
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug.slice(0, maxSlugLength).replace(/-+$/, '');
}

export interface NextSpecFile {
  /** The file name, e.g. `0003-add-ticket-priority.yaml`. */
  readonly file: string;
  /** The migration name: the file name without its extension. */
  readonly name: string;
}

export function nextSpecFileName(
  existing: readonly string[],
  description: string,
  options: { readonly timestamp?: boolean; readonly now?: Date } = {},
): NextSpecFile {
  const slug = slugOf(description);
  if (slug === '') throw new InvalidOptionError(`the description "${description}" has no letters or digits to name the file with`);
  const prefixes = existing
    .filter((file) => specExtensions.includes(extname(file).toLowerCase()))
    .map((file) => numberPrefix.exec(file)?.[1])
    .filter((prefix): prefix is string => prefix !== undefined);
  const timestamps = prefixes.filter(isTimestamp);
  const numbers = prefixes.filter((p) => !isTimestamp(p));
  const useTimestamp = options.timestamp === true || (numbers.length === 0 && timestamps.length > 0);
  const prefix = useTimestamp ? nextTimestamp(timestamps, options.now ?? new Date()) : nextNumber(numbers);
  const name = `${prefix}-${slug}`;
  return { file: `${name}.yaml`, name };
}

function isTimestamp(prefix: string): boolean {
  return prefix.length === timestampDigits && /^(19|20)\d{2}(0[1-9]|1[0-2])/.test(prefix);
}

function nextNumber(numbers: readonly string[]): string {
  const highest = numbers.reduce<string | undefined>((best, p) => (best === undefined || BigInt(p) > BigInt(best) ? p : best), undefined);
  const next = (highest === undefined ? 1n : BigInt(highest) + 1n).toString();
  return next.padStart(highest?.length ?? defaultWidth, '0');
}

/** Now in UTC, or one second after the latest existing timestamp when that is not earlier (same second, clock skew). */
function nextTimestamp(timestamps: readonly string[], now: Date): string {
  const latest = timestamps.reduce((max, t) => (t > max ? t : max), '');
  let at = now;
  if (latest >= formatTimestamp(at)) at = new Date(parseTimestamp(latest).getTime() + 1_000);
  return formatTimestamp(at);
}

function formatTimestamp(at: Date): string {
  return at.toISOString().replace(/\D/g, '').slice(0, timestampDigits);
}

function parseTimestamp(text: string): Date {
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((at, i) => Number(text.slice(at, at + (i === 0 ? 4 : 2))));
  return new Date(Date.UTC(y ?? 1970, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0));
}
