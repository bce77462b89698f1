// Run windows: parsing `--window HH:MM-HH:MM`, and open/closed with the next boundary in a time zone.
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors/index.js';
import { isTimeZone, localTimeZone, parseWindow, windowState } from '../../src/throttle/schedule-window.js';

const windows = (...texts: string[]) => texts.map(parseWindow);
const at = (iso: string) => new Date(iso);

function state(texts: string[], zone: string, iso: string): { open: boolean; until: string | null } {
  const s = windowState(windows(...texts), zone, at(iso));
  return { open: s.open, until: s.until?.toISOString() ?? null };
}

describe('parseWindow', () => {
  it.each([
    ['22:00-06:00', 1320, 360],
    ['09:30-17:45', 570, 1065],
    ['9:00-17:00', 540, 1020],
    [' 22:00 - 24:00 ', 1320, 1440],
    ['00:00-24:00', 0, 1440],
    ['23:59-00:00', 1439, 0],
  ])('reads %j', (text, startMinute, endMinute) => {
    expect(parseWindow(text)).toEqual({ text: text.trim(), startMinute, endMinute });
  });

  it.each([
    ['25:00-01:00', '--window "25:00-01:00": hours must be 00–23 (format HH:MM-HH:MM, e.g. 22:00-06:00)'],
    ['10:00-24:30', '--window "10:00-24:30": hours must be 00–23 (format HH:MM-HH:MM, e.g. 22:00-06:00)'],
    ['10:60-11:00', '--window "10:60-11:00": minutes must be 00–59 (format HH:MM-HH:MM, e.g. 22:00-06:00)'],
    ['abc', '--window "abc": expected a start and an end time (format HH:MM-HH:MM, e.g. 22:00-06:00)'],
    ['10:00', '--window "10:00": needs both a start and an end (format HH:MM-HH:MM, e.g. 22:00-06:00)'],
    ['10:00-10:00', '--window "10:00-10:00": start and end are both 10:00, so the window is empty; for all day use 00:00-24:00'],
    ['24:00-06:00', '--window "24:00-06:00": 24:00 can only end a window, not start one'],
    ['10:00-11:00-12:00', 'expected a start and an end time'],
    ['10h-11h', '--window "10h-11h": start "10h" is not a time'],
    ['10:00-', '--window "10:00-": end "" is not a time'],
  ])('rejects %j with a clear message', (text, message) => {
    expect(() => parseWindow(text)).toThrow(InvalidOptionError);
    expect(() => parseWindow(text)).toThrow(message);
  });
});

describe('time zones', () => {
  it('knows IANA names and rejects unknown ones', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('reports the machine zone as a name it accepts', () => {
    expect(isTimeZone(localTimeZone())).toBe(true);
  });

  it('windowState rejects an unknown zone with an InvalidOptionError', () => {
    expect(() => windowState(windows('22:00-06:00'), 'Nowhere/Land', at('2024-01-15T00:00:00Z'))).toThrow(
      '--timezone "Nowhere/Land" is not a known IANA time zone',
    );
  });
});

describe('windowState', () => {
  it('is always open without windows', () => {
    expect(state([], 'UTC', '2024-01-15T12:00:00Z')).toEqual({ open: true, until: null });
  });

  it.each([
    ['2024-01-15T23:00:00Z', true, '2024-01-16T06:00:00.000Z'],
    ['2024-01-16T01:30:00Z', true, '2024-01-16T06:00:00.000Z'],
    ['2024-01-15T22:00:00Z', true, '2024-01-16T06:00:00.000Z'],
    ['2024-01-16T05:59:59Z', true, '2024-01-16T06:00:00.000Z'],
    ['2024-01-16T06:00:00Z', false, '2024-01-16T22:00:00.000Z'],
    ['2024-01-15T12:00:00Z', false, '2024-01-15T22:00:00.000Z'],
    ['2024-01-15T21:59:30.250Z', false, '2024-01-15T22:00:00.000Z'],
  ])('a window across midnight, 22:00-06:00 UTC, at %s', (iso, open, until) => {
    expect(state(['22:00-06:00'], 'UTC', iso)).toEqual({ open, until });
  });

  it('lands exactly on the boundary with seconds and milliseconds', () => {
    expect(state(['22:00-24:00'], 'UTC', '2024-01-15T23:59:30.500Z')).toEqual({ open: true, until: '2024-01-16T00:00:00.000Z' });
  });

  it('with several windows, closed means until the next opening, possibly tomorrow', () => {
    const texts = ['01:00-03:00', '12:00-13:00'];
    expect(state(texts, 'UTC', '2024-01-15T05:00:00Z')).toEqual({ open: false, until: '2024-01-15T12:00:00.000Z' });
    expect(state(texts, 'UTC', '2024-01-15T14:00:00Z')).toEqual({ open: false, until: '2024-01-16T01:00:00.000Z' });
    expect(state(texts, 'UTC', '2024-01-15T02:00:00Z')).toEqual({ open: true, until: '2024-01-15T03:00:00.000Z' });
  });

  it('overlapping and touching windows stay open until the end of their union', () => {
    expect(state(['10:00-12:00', '11:00-14:00'], 'UTC', '2024-01-15T10:30:00Z')).toEqual({
      open: true,
      until: '2024-01-15T14:00:00.000Z',
    });
    expect(state(['22:00-24:00', '00:00-06:00'], 'UTC', '2024-01-15T23:00:00Z')).toEqual({
      open: true,
      until: '2024-01-16T06:00:00.000Z',
    });
    expect(state(['23:00-02:00', '01:00-04:00', '04:00-05:00'], 'UTC', '2024-01-15T23:30:00Z')).toEqual({
      open: true,
      until: '2024-01-16T05:00:00.000Z',
    });
  });

  it('windows covering the whole day never close', () => {
    expect(state(['00:00-24:00'], 'UTC', '2024-01-15T12:00:00Z')).toEqual({ open: true, until: null });
    expect(state(['20:00-08:00', '08:00-20:00'], 'Asia/Kolkata', '2024-01-15T12:00:00Z')).toEqual({ open: true, until: null });
  });

  it('reads the wall clock of America/New_York in winter and summer', () => {
    // 22:30 EST (UTC-5): open until 06:00 EST = 11:00Z.
    expect(state(['22:00-06:00'], 'America/New_York', '2024-01-15T03:30:00Z')).toEqual({ open: true, until: '2024-01-15T11:00:00.000Z' });
    // 23:30 EDT (UTC-4): open until 06:00 EDT = 10:00Z.
    expect(state(['22:00-06:00'], 'America/New_York', '2024-07-15T03:30:00Z')).toEqual({ open: true, until: '2024-07-15T10:00:00.000Z' });
    // 07:00 EST: closed until 22:00 EST = 03:00Z the next day.
    expect(state(['22:00-06:00'], 'America/New_York', '2024-01-15T12:00:00Z')).toEqual({ open: false, until: '2024-01-16T03:00:00.000Z' });
    // The same instant in UTC is 12:00, also closed, but with a different next opening.
    expect(state(['22:00-06:00'], 'UTC', '2024-01-15T12:00:00Z')).toEqual({ open: false, until: '2024-01-15T22:00:00.000Z' });
  });

  it('reads the wall clock of Asia/Kolkata (UTC+5:30)', () => {
    // 17:00Z is 22:30 IST: open until 06:00 IST = 00:30Z.
    expect(state(['22:00-06:00'], 'Asia/Kolkata', '2024-01-15T17:00:00Z')).toEqual({ open: true, until: '2024-01-16T00:30:00.000Z' });
    // 10:00Z is 15:30 IST: closed until 22:00 IST = 16:30Z.
    expect(state(['22:00-06:00'], 'Asia/Kolkata', '2024-01-15T10:00:00Z')).toEqual({ open: false, until: '2024-01-15T16:30:00.000Z' });
    // 16:29:59Z is 21:59:59 IST: one second before opening.
    expect(state(['22:00-06:00'], 'Asia/Kolkata', '2024-01-15T16:29:59Z')).toEqual({ open: false, until: '2024-01-15T16:30:00.000Z' });
  });

  it('is off by at most the DST shift across a change, which periodic re-checks absorb', () => {
    // 00:00 EST on 2024-03-10; clocks jump 02:00 → 03:00, so 06:00 EDT is 10:00Z, five real hours away.
    const s = windowState(windows('00:00-06:00'), 'America/New_York', at('2024-03-10T05:00:00Z'));
    expect(s.open).toBe(true);
    expect(Math.abs((s.until?.getTime() ?? 0) - Date.parse('2024-03-10T10:00:00Z'))).toBeLessThanOrEqual(3_600_000);
  });
});
