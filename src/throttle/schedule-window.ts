// Daily run windows (`--window 22:00-06:00`, repeatable, may cross midnight) in an IANA `--timezone`:
// parsing, and whether a window is open at a given instant and until when.
import { InvalidOptionError } from '../errors/index.js';

/** minutes after local midnight; end may be < start (crosses midnight); "24:00" is allowed as an end */
export interface DailyWindow {
  readonly text: string;
  readonly startMinute: number;
  readonly endMinute: number;
}

export interface WindowState {
  readonly open: boolean;
  /** open: when the current window closes; closed: when the next one opens; null when always open (no windows, or they cover the whole day) */
  readonly until: Date | null;
}

const DAY = 24 * 60;
const FORMAT_HINT = '(format HH:MM-HH:MM, e.g. 22:00-06:00)';

export function parseWindow(text: string): DailyWindow {
  const fail = (problem: string): never => {
    const setting = { option: 'windows', problem: `"${text}": ${problem} ${FORMAT_HINT}`, unreadable: true };
    throw new InvalidOptionError(`--window ${setting.problem}`, setting);
  };
  const trimmed = text.trim();
  const parts = trimmed.split('-').map((part) => part.trim());
  if (parts.length === 1 && /^\d{1,2}:\d{2}$/.test(trimmed)) fail('needs both a start and an end');
  const [start, end] = parts;
  if (parts.length !== 2 || start === undefined || end === undefined) return fail('expected a start and an end time');
  const startMinute = parseClock(start, 'start', fail);
  const endMinute = parseClock(end, 'end', fail);
  if (startMinute === endMinute) fail(`start and end are both ${start}, so the window is empty; for all day use 00:00-24:00`);
  return { text: trimmed, startMinute, endMinute };
}

function parseClock(clock: string, role: 'start' | 'end', fail: (problem: string) => never): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(clock);
  if (match === null) return fail(`${role} "${clock}" is not a time`);
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours === 24 && minutes === 0) return role === 'end' ? DAY : fail('24:00 can only end a window, not start one');
  if (hours > 23) return fail('hours must be 00–23');
  if (minutes > 59) return fail('minutes must be 00–59');
  return hours * 60 + minutes;
}

/** True for names Intl knows as time zones (IANA names such as Europe/Berlin, and UTC). */
export function isTimeZone(name: string): boolean {
  if (name.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The machine's IANA time zone, e.g. Europe/Berlin. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * Whether any window is open at `now`, and until when. Overlapping or touching windows count as one.
 * `until` is now + the wall-clock minutes to the boundary, so across a DST change it can be off by up to
 * an hour; that is fine because the caller re-checks the state periodically.
 */
export function windowState(windows: readonly DailyWindow[], timeZone: string, now: Date): WindowState {
  if (windows.length === 0) return { open: true, until: null };
  const minute = wallClockMinute(timeZone, now);
  const spans = unrollSpans(windows);
  const at = (boundary: number): Date => new Date(now.getTime() + (boundary - minute) * 60_000);
  const current = spans.find((span) => span.start <= minute && minute < span.end);
  if (current !== undefined) {
    // A span as long as the unrolled range never closes: the windows cover the whole day.
    return current.end - current.start >= 3 * DAY ? { open: true, until: null } : { open: true, until: at(current.end) };
  }
  const next = spans.find((span) => span.start > minute);
  return { open: false, until: next === undefined ? null : at(next.start) };
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/** Every window's occurrence from yesterday to the day after tomorrow, relative to today's midnight, merged. */
function unrollSpans(windows: readonly DailyWindow[]): Span[] {
  const raw: Span[] = [];
  for (const day of [-1, 0, 1, 2]) {
    for (const w of windows) {
      const length = w.endMinute > w.startMinute ? w.endMinute - w.startMinute : w.endMinute + DAY - w.startMinute;
      raw.push({ start: day * DAY + w.startMinute, end: day * DAY + w.startMinute + length });
    }
  }
  raw.sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const span of raw) {
    const last = merged.at(-1);
    if (last !== undefined && span.start <= last.end) merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, span.end) };
    else merged.push(span);
  }
  return merged;
}

/** Local wall-clock time at `now` in `timeZone`, as fractional minutes after local midnight. */
function wallClockMinute(timeZone: string, now: Date): number {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  } catch {
    throw new InvalidOptionError(`--timezone "${timeZone}" is not a known IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`);
  }
  const parts = format.formatToParts(now);
  const field = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const millis = ((now.getTime() % 1_000) + 1_000) % 1_000;
  return field('hour') * 60 + field('minute') + (field('second') + millis / 1_000) / 60;
}
