// The config file `online init` writes: every setting spelled out with its built-in default (a unit
// test proves they load to exactly `defaultRunOptions`), as JSON with a `$schema` reference, or as
// YAML with a comment on every key taken from the setting's description (the flag's help).
import { stringify } from 'yaml';
import { defaultRunOptions } from '../settings/run-options.js';
import { runSettingRows } from '../settings/run-settings.js';
import { inputOf } from '../settings/setting-input.js';
import { defaultStateSchema } from '../state/state-store.js';
import { settingGroupNames, type ProjectConfigInput, type SettingGroup } from './config-schema.js';

export type ConfigFormat = 'json' | 'yaml';

export interface InitialConfigInput {
  /** Path of online.config.schema.json relative to the config file. */
  readonly schemaRef: string;
  /** The migrations directory as written in the file (relative to it). */
  readonly migrations: string;
  readonly stateSchema?: string;
}

/** The built-in defaults as the flags spell them (0 = no limit), for every setting that has a fixed one. */
export const initialSettings = Object.fromEntries(
  settingGroupNames.map((group) => {
    const rows = runSettingRows.filter(([, row]) => row.group === group && row.example === undefined);
    return [group, Object.fromEntries(rows.map(([option, row]) => [row.configKey, inputOf(row.input, defaultRunOptions[option])]))];
  }),
) as Required<Pick<ProjectConfigInput, SettingGroup>>;

export function initialConfig(input: InitialConfigInput): ProjectConfigInput {
  return {
    $schema: input.schemaRef,
    migrations: input.migrations,
    databaseUrlEnv: 'DATABASE_URL',
    stateSchema: input.stateSchema ?? defaultStateSchema,
    ...initialSettings,
  };
}

export function renderInitialConfig(format: ConfigFormat, input: InitialConfigInput): string {
  const config = initialConfig(input);
  if (format === 'json') return `${JSON.stringify(config, null, 2)}\n`;
  const lines = [
    `# yaml-language-server: $schema=${input.schemaRef}`,
    '# online project config. For every setting: a command-line flag wins over this file, which wins over',
    '# the built-in defaults (the values written below). The run settings are the flags of `online start`,',
    '# with the same names and values ("1s", "512MB", 0 = no limit). They apply when a migration starts',
    '# (`online start`, `online migrate`); `online resume` keeps the options the migration started with,',
    '# unless flags are given to it.',
    `migrations: ${scalar(config.migrations)}   # directory of the spec files, relative to this file`,
    `databaseUrlEnv: ${scalar(config.databaseUrlEnv)}   # environment variable holding the database URL (--database-url wins)`,
    `stateSchema: ${scalar(config.stateSchema)}   # schema of the migration ledger (--state-schema wins)`,
  ];
  for (const group of settingGroupNames) {
    const values: Readonly<Record<string, unknown>> = initialSettings[group];
    lines.push('', `${group}:`);
    for (const [, row] of runSettingRows.filter(([, r]) => r.group === group)) {
      const help = row.description.replace(/\s*\[default: [^\]]*\]/, '');
      if (row.example !== undefined) lines.push(`  # ${row.configKey}: ${scalar(row.example)}   # ${help}`);
      else lines.push(`  ${row.configKey}: ${scalar(values[row.configKey])}   # ${help}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function scalar(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow' }).trimEnd();
}
