// How a run setting is spelled on the command line and in the config file, which share one form
// ("1s", "512MB", 0 = no limit, a list of windows), and how that form is read into the option's value.
import { InvalidOptionError } from '../errors/index.js';
import { parseByteSize } from '../throttle/byte-size.js';
import { parseWindow } from '../throttle/schedule-window.js';
import { durationMs, formatDuration } from './duration.js';
import { workerCountForms } from './worker-count.js';

/**
 * `zeroMeansNone`: 0 means "no limit" (null), which also clears a stored limit on resume.
 * `emptyMeansNone`: "" (or blanks) means none, which also clears a stored one.
 * `bareUnit`: a duration whose name says its unit (`target-batch-ms`) reads a bare number in it; every
 * other duration needs a unit (duration.ts).
 * `workers`: a number of workers or `auto` (worker-count.ts); the option's zod value checks the bounds.
 */
export type SettingInput =
  | { readonly kind: 'count'; readonly min: number; readonly max?: number; readonly zeroMeansNone?: boolean }
  | { readonly kind: 'workers' }
  | { readonly kind: 'duration'; readonly zeroMeansNone?: boolean; readonly bareUnit?: 'ms' }
  | { readonly kind: 'size'; readonly zeroMeansNone?: boolean }
  | { readonly kind: 'text'; readonly emptyMeansNone?: boolean }
  | { readonly kind: 'switch' }
  | { readonly kind: 'windows' };

/** The value given, by kind: a flag's value, or a config file's after its schema. */
export interface InputValues {
  readonly count: number;
  /** A flag's text (`4`, `auto`); a config file may give the number as a number. */
  readonly workers: string | number;
  readonly duration: string;
  readonly size: string;
  readonly text: string;
  readonly switch: boolean;
  readonly windows: string[];
}

export type InputValue = InputValues[SettingInput['kind']];
export type OptionValue = number | string | boolean | string[] | null;

/** The option value of `value`; an unreadable text throws an InvalidOptionError naming `option`. */
export function readInput(option: string, input: SettingInput, value: InputValue): OptionValue {
  switch (input.kind) {
    case 'count':
      return noneIfZero(input.zeroMeansNone, value as number);
    case 'workers':
      return readWorkers(option, value as string | number);
    case 'duration': {
      const parsed = durationMs(input.bareUnit).safeParse(value);
      if (!parsed.success) throw unreadable(option, parsed.error.issues[0]?.message ?? 'is invalid');
      return noneIfZero(input.zeroMeansNone, parsed.data);
    }
    case 'size':
      return noneIfZero(input.zeroMeansNone, readSize(option, value as string));
    case 'text':
      return input.emptyMeansNone === true && (value as string).trim() === '' ? null : value;
    case 'switch':
      return value;
    case 'windows':
      for (const window of value as string[]) parseWindow(window);
      return value;
  }
}

/** An option value in the input form, as `online init` writes the built-in defaults: null limits as 0. */
export function inputOf(input: SettingInput, value: OptionValue): InputValue | undefined {
  if (value === null) return input.kind === 'text' ? undefined : 0;
  return input.kind === 'duration' && typeof value === 'number' ? formatDuration(value) : value;
}

function noneIfZero(zeroMeansNone: boolean | undefined, value: number): number | null {
  return zeroMeansNone === true && value === 0 ? null : value;
}

function readWorkers(option: string, value: string | number): number | 'auto' {
  const text = String(value).trim().toLowerCase();
  if (text === 'auto') return 'auto';
  if (/^\d+$/.test(text)) return Number(text);
  throw unreadable(option, `must be ${workerCountForms}: ${JSON.stringify(value)}`);
}

function readSize(option: string, text: string): number {
  try {
    return parseByteSize(text);
  } catch (error) {
    // Without a flag name, parseByteSize's message is the problem alone: `"lots": not a size (…)`.
    if (error instanceof InvalidOptionError) throw unreadable(option, error.message);
    throw error;
  }
}

function unreadable(option: string, problem: string): InvalidOptionError {
  return new InvalidOptionError(`invalid option ${option}: ${problem}`, { option, problem, unreadable: true });
}
