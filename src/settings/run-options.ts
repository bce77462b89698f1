// Options of a run, validated at the edge and stored with the migration so a plain `resume` keeps them:
// the run settings of run-settings.ts, keyed by option key, and whether contract follows the backfill.
// Errors name the option key and say what is wrong apart from it, so the CLI and the config loader can
// name the setting in their own words.
import { z } from 'zod';
import { InvalidOptionError } from '../errors/index.js';
import { runSettingRows, type InputOf, type RunSettingKey, type RunSettingsTable } from './run-settings.js';
import { readInput } from './setting-input.js';

type OptionShape = { [K in RunSettingKey]: RunSettingsTable[K]['value'] };
const optionShape = Object.fromEntries(runSettingRows.map(([option, row]) => [option, row.value])) as OptionShape;

export const runOptionsSchema = z
  .object({
    ...optionShape,
    /** Run contract right after backfill (`start --complete`); set by the command, not a run setting. */
    complete: z.boolean().default(false),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.maxConcurrency !== null && o.concurrency !== 'auto') {
      ctx.addIssue({
        code: 'custom',
        path: ['maxConcurrency'],
        message: `applies only with concurrency auto (it caps the workers auto adds), and concurrency is ${o.concurrency}: set concurrency to auto, or leave max concurrency out`,
      });
    }
    if (o.minProgressAction === 'run' && o.minProgress === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['minProgressAction'],
        message: 'run applies only with a --min-progress floor: set min progress, or leave the action out',
      });
    }
    if (o.minProgress !== null && o.maxRowsPerSecond !== null && o.maxRowsPerSecond * 3_600 < o.minProgress) {
      ctx.addIssue({
        code: 'custom',
        path: ['minProgress'],
        message: `min progress ${o.minProgress} rows/hour is more than max rows per second ${o.maxRowsPerSecond} allows (${o.maxRowsPerSecond * 3_600} rows/hour): the rate cap would hold the run below its own floor`,
      });
    }
    if (o.minBatchSize > o.maxBatchSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['minBatchSize'],
        message: `min batch size ${o.minBatchSize} is greater than max batch size ${o.maxBatchSize}`,
      });
    } else if (o.batchSize < o.minBatchSize || o.batchSize > o.maxBatchSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['batchSize'],
        message: `batch size ${o.batchSize} is outside [min ${o.minBatchSize}, max ${o.maxBatchSize}]; set the min or max batch size too`,
      });
    }
    const cancelQualifiers = {
      terminateBlockers: o.terminateBlockers,
      cancelSuperuserBlockers: o.cancelSuperuserBlockers,
      maxBlockerWrites: o.maxBlockerWrites > 0,
    };
    for (const [option, given] of Object.entries(cancelQualifiers)) {
      if (given && o.cancelBlockersAfterMs === null) {
        ctx.addIssue({
          code: 'custom',
          path: [option],
          message:
            'applies only with cancel-blockers-after (it limits which blockers are cancelled, and none are without it): set cancel-blockers-after too, or leave it out',
        });
      }
    }
  });

export type RunOptions = z.infer<typeof runOptionsSchema>;
export type RunOptionsInput = z.input<typeof runOptionsSchema>;

export const defaultRunOptions: RunOptions = runOptionsSchema.parse({});

/** Values as flags and the config file give them ("1s", 0 = no limit), keyed by option key. */
export type RunSettingInputs = { readonly [K in RunSettingKey]?: InputOf<K> };

/** Reads the values given (durations, sizes, windows, 0 or "" for none); absent ones stay absent. */
export function runOptionsFromInputs(inputs: RunSettingInputs): RunOptionsInput {
  const read = runSettingRows.map(([option, row]) => {
    const value = inputs[option];
    return [option, value === undefined ? undefined : readInput(option, row.input, value)];
  });
  return Object.fromEntries(read) as RunOptionsInput;
}

/**
 * `given` over `inherited` (stored or configured options): the values given win, and a setting that only
 * qualifies another (maxConcurrency, of concurrency auto) is not inherited when `given` sets the one it
 * qualifies, so `resume --concurrency 2` on an auto run drops its stored cap instead of refusing it.
 */
export function overrideOptions(inherited: RunOptionsInput, given: RunOptionsInput): RunOptionsInput {
  const defined = givenOptions(given);
  const dropped = runSettingRows.filter(([option, row]) => row.qualifies !== undefined && row.qualifies in defined && !(option in defined));
  const kept = Object.fromEntries(Object.entries(inherited).filter(([option]) => !dropped.some(([d]) => d === option)));
  return { ...kept, ...defined };
}

/** The options `values` gives a value (those undefined left out): what overrides the stored ones. */
export function givenOptions(values: RunOptionsInput): RunOptionsInput {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as RunOptionsInput;
}

/** The options with their defaults; the first problem throws an InvalidOptionError naming its option. */
export function parseRunOptions(input: RunOptionsInput | undefined): RunOptions {
  const parsed = runOptionsSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  const problem = issue?.message ?? 'invalid';
  const option = issue?.path[0];
  throw new InvalidOptionError(
    `invalid option ${path}: ${problem}`,
    typeof option === 'string' ? { option, problem, unreadable: false } : undefined,
  );
}
