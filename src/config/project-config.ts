// The project configuration file: online.config.json, online.config.yaml or online.config.yml (the
// first found in the working directory), or the file named by --config. It is validated completely
// when loaded: unknown keys are errors naming the key, and every run setting is read and checked exactly
// as its flag would be (runOptionsFromInputs + parseRunOptions), so a bad `lock-timeout` fails here,
// naming the file and the key, rather than when a migration starts.
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InvalidOptionError } from '../errors/index.js';
import { formatIssues } from '../migration-spec/format-issues.js';
import { parseRunOptions, runOptionsFromInputs, type RunSettingInputs } from '../settings/run-options.js';
import { runSettingOf, runSettingRows } from '../settings/run-settings.js';
import { ConfigError } from './config-errors.js';
import { pathKind } from './project-files.js';
import { projectConfigSchema, settingGroupNames, type ConfigSettingValues, type ProjectConfigFile } from './config-schema.js';

export const configFileNames: readonly string[] = ['online.config.json', 'online.config.yaml', 'online.config.yml'];

export interface ProjectConfig {
  /** Absolute path of the config file it came from. */
  readonly path: string;
  /** The migrations directory, resolved against the config file's directory. */
  readonly migrations: string;
  /** Name of the environment variable holding the database URL. */
  readonly databaseUrlEnv: string;
  readonly stateSchema: string;
  /** Default run settings, by config key (`lock-timeout: "1s"`): command-line flags win over them. */
  readonly defaults: ConfigSettingValues;
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

/** The groups' settings as one set of values, by config key. */
function runSettings(config: ProjectConfigFile): ConfigSettingValues {
  return Object.assign({}, ...settingGroupNames.map((group) => config[group])) as ConfigSettingValues;
}

/**
 * Each setting alone, then all together (min ≤ batch ≤ max), through the same reading and validation as
 * the flags. Alone, a setting is judged with the built-in defaults of the others, so only a problem of
 * that setting itself is reported there; contradictions are reported by the check of all together.
 * Messages name the key as it is written in the file, e.g. `locks.lock-timeout: must be a duration…`.
 */
function settingProblems(settings: ConfigSettingValues): string[] {
  const given: Readonly<Record<string, unknown>> = settings;
  const problems: string[] = [];
  for (const [option, row] of runSettingRows) {
    if (given[row.configKey] === undefined) continue;
    const problem = validationProblem({ [option]: given[row.configKey] });
    if (problem?.setting?.option === option) problems.push(inConfigTerms(problem));
  }
  if (problems.length > 0) return problems;
  const inputs = Object.fromEntries(runSettingRows.map(([option, row]) => [option, given[row.configKey]]));
  const combined = validationProblem(inputs);
  return combined === undefined ? [] : [inConfigTerms(combined)];
}

/** The first problem of these values, if any. */
function validationProblem(inputs: Readonly<Record<string, unknown>>): InvalidOptionError | undefined {
  try {
    parseRunOptions(runOptionsFromInputs(inputs as RunSettingInputs));
    return undefined;
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
}

/** A run setting's error named by its key in the file: `locks.lock-timeout: must be a duration…`. */
function inConfigTerms(error: InvalidOptionError): string {
  const row = error.setting === undefined ? undefined : runSettingOf(error.setting.option);
  if (error.setting === undefined || row === undefined) return error.message;
  return `${row.group}.${row.configKey}: ${error.setting.problem}`;
}
