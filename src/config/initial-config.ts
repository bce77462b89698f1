// The config file `online init` writes: every setting spelled out with its built-in default (a unit
// test proves they load to exactly `defaultRunOptions`), as JSON with a `$schema` reference, or as
// YAML with a comment on every key taken from the flag's own help.
import { stringify } from 'yaml';
import { runFlags, type RunFlagValues } from '../cli/run-flags.js';
import { defaultStateSchema } from '../state/state-store.js';
import { settingGroupNames, settingKeys, type ProjectConfigInput, type SettingGroup } from './config-schema.js';

export type ConfigFormat = 'json' | 'yaml';

export interface InitialConfigInput {
  /** Path of online.config.schema.json relative to the config file. */
  readonly schemaRef: string;
  /** The migrations directory as written in the file (relative to it). */
  readonly migrations: string;
  readonly stateSchema?: string;
}

/** The built-in defaults in the flags' own forms; 0 means "no limit" as on the command line. */
export const initialSettings = {
  backfill: {
    'batch-size': 1000,
    'target-batch-ms': '100ms',
    'min-batch-size': 10,
    'max-batch-size': 50000,
    'statement-timeout': '30s',
    concurrency: 1,
  },
  throttle: {
    'max-rows-per-second': 0,
    'pause-ms': 0,
    'max-replication-lag': '10s',
    'max-retained-wal': 0,
    'max-active-sessions': 0,
    'probe-interval': '2s',
    'exit-on-pause': false,
  },
  schedule: { window: [], 'window-exit': false, 'max-duration': 0 },
  locks: { 'lock-timeout': '1s', 'lock-retries': 30, 'reconnect-timeout': '5m' },
} satisfies Required<Pick<ProjectConfigInput, SettingGroup>>;

/** Settings without a fixed default, shown commented out in YAML with an example value. */
const commentedExamples: Partial<Record<keyof RunFlagValues, string>> = {
  'throttle-query': "select count(*) > 50 from pg_stat_activity where state = 'active'",
  timezone: 'Europe/Berlin',
};

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
    const values: Partial<Record<keyof RunFlagValues, unknown>> = initialSettings[group];
    lines.push('', `${group}:`);
    for (const key of settingKeys(group)) {
      const help = (runFlags[key].summary ?? '').replace(/\s*\[default: [^\]]*\]/, '');
      const value = values[key];
      const example = commentedExamples[key];
      if (value !== undefined) lines.push(`  ${key}: ${scalar(value)}   # ${help}`);
      else if (example !== undefined) lines.push(`  # ${key}: ${scalar(example)}   # ${help}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function scalar(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow' }).trimEnd();
}
