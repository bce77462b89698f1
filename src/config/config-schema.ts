// The schema of online.config.{json,yaml}: where the migrations live, how to reach the database, and
// default run settings. The settings use the run flags' own names and value forms ("1s", "512MB",
// integers, booleans, lists), grouped as in `online start --help`, so there is one vocabulary for
// the command line and the file; `settingGroups` is checked against `runFlags` by a unit test.
import { z } from 'zod';
import { runFlags, type RunFlagValues } from '../cli/run-flags.js';
import { stateSchemaName } from '../sql-text/identifier.js';
import { defaultStateSchema } from '../state/state-store.js';

const integer = z.number().int().min(0);
/** A duration or size in the flag's text form; a bare number means what it means on the command line (ms, bytes). */
const flagText = z.union([z.string(), z.number().nonnegative()]).transform(String);

const setting = <S extends z.ZodType>(flag: keyof typeof runFlags, schema: S): z.ZodOptional<S> =>
  schema.optional().describe(runFlags[flag].summary ?? `--${flag}`);

export const settingGroups = {
  backfill: z
    .object({
      'batch-size': setting('batch-size', integer),
      'target-batch-ms': setting('target-batch-ms', flagText),
      'min-batch-size': setting('min-batch-size', integer),
      'max-batch-size': setting('max-batch-size', integer),
      'statement-timeout': setting('statement-timeout', flagText),
      concurrency: setting('concurrency', integer),
    })
    .strict()
    .describe('Batch sizing: the flags of the BATCH SIZING group of `online start --help`'),
  throttle: z
    .object({
      'max-rows-per-second': setting('max-rows-per-second', integer),
      'pause-ms': setting('pause-ms', integer),
      'max-replication-lag': setting('max-replication-lag', flagText),
      'max-retained-wal': setting('max-retained-wal', flagText),
      'max-active-sessions': setting('max-active-sessions', integer),
      'throttle-query': setting('throttle-query', z.string()),
      'probe-interval': setting('probe-interval', flagText),
      'exit-on-pause': setting('exit-on-pause', z.boolean()),
    })
    .strict()
    .describe('Throttling and health limits: the flags of the THROTTLE group'),
  schedule: z
    .object({
      window: setting('window', z.array(z.string())),
      timezone: setting('timezone', z.string()),
      'window-exit': setting('window-exit', z.boolean()),
      'max-duration': setting('max-duration', flagText),
    })
    .strict()
    .describe('Maintenance windows and time limits: the flags of the SCHEDULE group'),
  locks: z
    .object({
      'lock-timeout': setting('lock-timeout', flagText),
      'lock-retries': setting('lock-retries', integer),
      'reconnect-timeout': setting('reconnect-timeout', flagText),
    })
    .strict()
    .describe('Lock behaviour of DDL and batches: the flags of the LOCKS group'),
};

export type SettingGroup = keyof typeof settingGroups;
export const settingGroupNames = Object.keys(settingGroups) as SettingGroup[];

/** The run flag names of each group, e.g. `locks` → `lock-timeout`, `lock-retries`. */
export function settingKeys(group: SettingGroup): (keyof RunFlagValues)[] {
  return Object.keys(settingGroups[group].shape) as (keyof RunFlagValues)[];
}

/** Every group's settings must be run flag values (a compile-time check; exact coverage is unit-tested). */
type GroupValues = { [G in SettingGroup]: z.output<(typeof settingGroups)[G]> }[SettingGroup];
const groupValuesAreRunFlags = (values: GroupValues): RunFlagValues => values;
void groupValuesAreRunFlags;

export const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name, e.g. DATABASE_URL');

export const projectConfigSchema = z
  .object({
    $schema: z.string().optional().describe('JSON Schema reference for editors; ignored'),
    migrations: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .default('migrations')
      .describe('directory of the migration specs, relative to this file'),
    databaseUrlEnv: envVarName
      .default('DATABASE_URL')
      .describe('name of the environment variable holding the database URL (--database-url wins)'),
    stateSchema: stateSchemaName.default(defaultStateSchema).describe('schema of the migration ledger (--state-schema wins)'),
    backfill: settingGroups.backfill.default({}),
    throttle: settingGroups.throttle.default({}),
    schedule: settingGroups.schedule.default({}),
    locks: settingGroups.locks.default({}),
  })
  .strict();

export type ProjectConfigFile = z.output<typeof projectConfigSchema>;
export type ProjectConfigInput = z.input<typeof projectConfigSchema>;

/** The JSON Schema of the config file, for editors (`online schema --config`, committed as online.config.schema.json). */
export function projectConfigJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(projectConfigSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'online project config (online.config.json / online.config.yaml)',
  };
}
