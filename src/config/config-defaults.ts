// Precedence of run settings: command-line flags > the project config > built-in defaults.
// Applied only where a migration STARTS (`start`, and `migrate` for the specs it starts): a resumed
// migration keeps the options stored when it started, so a config edited since does not change a
// run half-way; flags given to `resume` still override the stored options.
import type { RunFlagValues } from '../cli/run-flags.js';
import type { ProjectConfig } from './project-config.js';

/** `flags` with every run flag that was not given on the command line taken from the config. */
export function withConfigDefaults<F extends RunFlagValues>(flags: F, config: ProjectConfig | undefined): F {
  if (config === undefined) return flags;
  const notGiven = (Object.keys(config.defaults) as (keyof RunFlagValues)[]).filter((key) => flags[key] === undefined);
  return { ...flags, ...Object.fromEntries(notGiven.map((key) => [key, config.defaults[key]])) };
}
