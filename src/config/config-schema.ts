// The schema of online.config.{json,yaml}: where the migrations live, how to reach the database, and
// default run settings. The settings are generated from the run settings table (settings/run-settings.ts):
// one section per group, keyed by each setting's config key, in the values the flags take ("1s",
// "512MB", integers, booleans, lists), so the command line and the file spell values alike.
import { z } from 'zod';
import { stateSchemaName } from '../sql-text/identifier.js';
import type { InputValues, SettingInput } from '../settings/setting-input.js';
import {
  runSettingGroupInfo,
  runSettingGroups,
  runSettingRows,
  type ConfigKeyOf,
  type InputOf,
  type RunSettingGroup,
  type RunSettingKey,
} from '../settings/run-settings.js';
import { defaultStateSchema } from '../state/state-store.js';

/** A duration or size in the flag's text form; a bare number is read as the flag reads it (a duration needs a unit unless 0). */
const flagText = z.union([z.string(), z.number().nonnegative()]).transform(String);

const valueSchemas: { readonly [Kind in SettingInput['kind']]: z.ZodType<InputValues[Kind], unknown> } = {
  count: z.number().int().min(0),
  workers: z.union([z.string(), z.number()]),
  duration: flagText,
  size: flagText,
  text: z.string(),
  switch: z.boolean(),
  windows: z.array(z.string()),
};

/** The run settings as the config file gives them, by config key: `{ 'lock-timeout': '1s' }`. */
export type ConfigSettingValues = { readonly [K in RunSettingKey as ConfigKeyOf<K>]?: InputOf<K> };

type GroupSchema = z.ZodObject<Record<string, z.ZodOptional<z.ZodType<InputValues[SettingInput['kind']], unknown>>>, z.core.$strict>;

function groupSchema(group: RunSettingGroup): GroupSchema {
  const rows = runSettingRows.filter(([, row]) => row.group === group);
  const shape = Object.fromEntries(
    rows.map(([, row]) => [row.configKey, valueSchemas[row.input.kind].optional().describe(row.description)]),
  );
  return z.object(shape).strict().describe(runSettingGroupInfo[group].description);
}

export const settingGroups = Object.fromEntries(runSettingGroups.map((group) => [group, groupSchema(group)])) as Record<
  RunSettingGroup,
  GroupSchema
>;

export type SettingGroup = RunSettingGroup;
export const settingGroupNames: readonly SettingGroup[] = runSettingGroups;

/** The config keys of each group, e.g. `locks` → `lock-timeout`, `lock-retries`, `reconnect-timeout`. */
export function settingKeys(group: SettingGroup): (keyof ConfigSettingValues)[] {
  return Object.keys(settingGroups[group].shape) as (keyof ConfigSettingValues)[];
}

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
