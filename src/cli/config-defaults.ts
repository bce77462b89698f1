// Precedence of run settings: command-line flags > the project config > built-in defaults.
// Applied only where a migration STARTS (`start`, and `migrate` for the specs it starts): a resumed
// migration keeps the options stored when it started, so a config edited since does not change a
// run half-way; flags given to `resume` still override the stored options.
import type { ProjectConfig } from '../config/project-config.js';
import { runSettingOf, runSettingRows, type RunSetting } from '../settings/run-settings.js';
import type { RunFlagValues } from './run-flags.js';

/** `flags` with every run flag that was not given on the command line taken from the config's key of that setting. */
export function withConfigDefaults<F extends RunFlagValues>(flags: F, config: ProjectConfig | undefined): F {
  if (config === undefined) return flags;
  const given: Readonly<Record<string, unknown>> = flags;
  const configured: Readonly<Record<string, unknown>> = config.defaults;
  const fromConfig = runSettingRows
    .filter(([, row]) => given[row.flag] === undefined && configured[row.configKey] !== undefined && !qualifiesGiven(row, given))
    .map(([, row]) => [row.flag, configured[row.configKey]]);
  return { ...flags, ...Object.fromEntries(fromConfig) };
}

/** A setting that qualifies a flag given on the command line (max-concurrency of --concurrency) is not taken from the config. */
function qualifiesGiven(row: RunSetting, given: Readonly<Record<string, unknown>>): boolean {
  const qualified = row.qualifies === undefined ? undefined : runSettingOf(row.qualifies);
  return qualified !== undefined && given[qualified.flag] !== undefined;
}
