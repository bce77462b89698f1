// The project configuration file: online.config.json, online.config.yaml or online.config.yml (the
// first found in the working directory), or the file named by --config. It is validated completely
// when loaded: unknown keys are errors naming the key, and every run setting is checked exactly as the
// flag of the same name would be (runOptionsFromFlags + parseRunOptions), so a bad `lock-timeout`
// fails here, naming the file and the key, rather than when a migration starts.
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseRunOptions } from '../api/start.js';
import { inFlagTerms, runOptionsFromFlags, type RunFlagValues } from '../cli/run-flags.js';
import { InvalidOptionError } from '../errors/index.js';
import { formatIssues } from '../migration-spec/format-issues.js';
import { ConfigError } from './config-errors.js';
import { pathKind } from './project-files.js';
import { projectConfigSchema, settingGroupNames, settingKeys, type ProjectConfigFile, type SettingGroup } from './config-schema.js';

export const configFileNames: readonly string[] = ['online.config.json', 'online.config.yaml', 'online.config.yml'];

export interface ProjectConfig {
  /** Absolute path of the config file it came from. */
  readonly path: string;
  /** The migrations directory, resolved against the config file's directory. */
  readonly migrations: string;
  /** Name of the environment variable holding the database URL. */
  readonly databaseUrlEnv: string;
  readonly stateSchema: string;
  /** Default run settings, by run flag name (`lock-timeout: "1s"`): command-line flags win over them. */
  readonly defaults: RunFlagValues;
}

/** Finds and validates the config: `explicitPath`, else online.config.{json,yaml,yml} in `cwd`; undefined when none. */
export async function loadProjectConfig(cwd: string, explicitPath?: string): Promise<ProjectConfig | undefined> {
  const file = explicitPath ?? (await firstConfigFile(cwd));
  if (file === undefined) return undefined;
  const path = resolve(cwd, file);
  const parsed = projectConfigSchema.safeParse((await readConfigData(path, file)) ?? {});
  if (!parsed.success) throw new ConfigError(file, formatIssues(parsed.error));
  const defaults = runSettings(parsed.data);
  const problems = settingProblems(defaults);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return {
    path,
    migrations: resolve(dirname(path), parsed.data.migrations),
    databaseUrlEnv: parsed.data.databaseUrlEnv,
    stateSchema: parsed.data.stateSchema,
    defaults,
  };
}

async function firstConfigFile(cwd: string): Promise<string | undefined> {
  for (const name of configFileNames) {
    if ((await pathKind(resolve(cwd, name))) === 'file') return name;
  }
  return undefined;
}

async function readConfigData(path: string, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`], { cause: error });
  }
  const json = extname(path).toLowerCase() === '.json';
  try {
    return json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(file, [`not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`], { cause: error });
  }
}

/** The groups' settings as one set of run flag values. */
function runSettings(config: ProjectConfigFile): RunFlagValues {
  return Object.assign({}, ...settingGroupNames.map((group) => config[group])) as RunFlagValues;
}

/**
 * Each setting alone, then all together (min ≤ batch ≤ max), through the same validation as the flags.
 * Alone, a setting is judged with the built-in defaults of the others, so only a problem of that
 * setting itself is reported there; contradictions are reported by the check of all together.
 * Messages name the key as it is written in the file, e.g. `locks.lock-timeout: must be a duration…`.
 */
function settingProblems(settings: RunFlagValues): string[] {
  const problems: string[] = [];
  for (const group of settingGroupNames) {
    for (const key of settingKeys(group)) {
      if (settings[key] === undefined) continue;
      const problem = validationProblem({ [key]: settings[key] });
      if (problem !== undefined && problem.key === key) problems.push(inConfigTerms(problem.message, key, group));
    }
  }
  if (problems.length > 0) return problems;
  const combined = validationProblem(settings);
  if (combined === undefined) return [];
  const group = settingGroupNames.find((g) => combined.key !== undefined && settingKeys(g).includes(combined.key));
  return [combined.key === undefined || group === undefined ? combined.message : inConfigTerms(combined.message, combined.key, group)];
}

/** The first problem, in flag terms (`--lock-timeout: …`), with the flag it names. */
function validationProblem(flags: RunFlagValues): { readonly key?: keyof RunFlagValues; readonly message: string } | undefined {
  try {
    parseRunOptions(runOptionsFromFlags(flags));
    return undefined;
  } catch (error) {
    const flagError = inFlagTerms(error);
    if (!(flagError instanceof InvalidOptionError)) throw error;
    const key = /^--([\w-]+)/.exec(flagError.message)?.[1] as keyof RunFlagValues | undefined;
    return { key, message: flagError.message };
  }
}

/** `--lock-timeout must be a duration…` → `locks.lock-timeout: must be a duration…`. */
function inConfigTerms(message: string, key: keyof RunFlagValues, group: SettingGroup): string {
  const flagPrefix = new RegExp(`^(--${key}:?\\s*)+`);
  return `${group}.${key}: ${message.replace(flagPrefix, '')}`;
}
