// Flags of commands that run a migration (start, resume, migrate), one per run setting of
// settings/run-settings.ts, in its help group. Only the flags given are returned, so on resume absent
// flags keep the stored options. Errors about a run setting are said here with the flag's name.
import { Flags, type Interfaces } from '@oclif/core';
import { InvalidOptionError } from '../errors/index.js';
import { runOptionsFromInputs, type RunOptionsInput, type RunSettingInputs } from '../settings/run-options.js';
import {
  runSettingGroupInfo,
  runSettingOf,
  runSettingRows,
  type FlagOf,
  type InputOf,
  type RunSetting,
  type RunSettingKey,
} from '../settings/run-settings.js';

/** The value of each run flag, by flag name: `{ 'lock-timeout': '1s' }`. */
export type RunFlagValues = { readonly [K in RunSettingKey as FlagOf<K>]?: InputOf<K> };

type RunFlags = { readonly [F in keyof RunFlagValues]-?: Interfaces.Flag<RunFlagValues[F]> };

function flagOf(row: RunSetting): RunFlags[keyof RunFlags] {
  const help = { summary: row.description, helpGroup: runSettingGroupInfo[row.group].title };
  switch (row.input.kind) {
    case 'count': {
      const { min, max } = row.input;
      return Flags.integer({ ...help, min, ...(max === undefined ? {} : { max }) });
    }
    case 'switch':
      return Flags.boolean<boolean>({ ...help, allowNo: true });
    case 'windows':
      return Flags.string({ ...help, multiple: true });
    default:
      return Flags.string(help);
  }
}

export const runFlags = Object.fromEntries(runSettingRows.map(([, row]) => [row.flag, flagOf(row)])) as RunFlags;

/** The run options the flags give; a flag whose text cannot be read (not a duration…) throws, naming the flag. */
export function runOptionsFromFlags(flags: RunFlagValues): RunOptionsInput {
  const given: Readonly<Record<string, unknown>> = flags;
  const inputs = Object.fromEntries(runSettingRows.map(([option, row]) => [option, given[row.flag]]));
  try {
    return runOptionsFromInputs(inputs as RunSettingInputs);
  } catch (error) {
    throw inFlagTerms(error);
  }
}

/**
 * A run setting's error named by its flag: `--lock-timeout must be a duration…` when the text was
 * unreadable, `--lock-timeout: Too big…` when the value is out of bounds. Other errors are returned as they are.
 */
export function inFlagTerms(error: unknown): unknown {
  if (!(error instanceof InvalidOptionError) || error.setting === undefined) return error;
  const { option, problem, unreadable } = error.setting;
  const row = runSettingOf(option);
  if (row === undefined) return error;
  return new InvalidOptionError(`--${row.flag}${unreadable ? ' ' : ': '}${problem}`, error.setting);
}
