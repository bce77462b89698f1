import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runFlags, runOptionsFromFlags } from '../../src/cli/run-flags.js';
import { withConfigDefaults } from '../../src/cli/config-defaults.js';
import { ConfigError } from '../../src/config/config-errors.js';
import { projectConfigJsonSchema, settingGroupNames, settingKeys } from '../../src/config/config-schema.js';
import { renderInitialConfig } from '../../src/config/initial-config.js';
import { loadProjectConfig, type ProjectConfig } from '../../src/config/project-config.js';
import { isMachineLocal, schemaReference } from '../../src/config/schema-reference.js';
import { nextSpecFileName, slugOf } from '../../src/config/spec-file-name.js';
import { renderSpecTemplate } from '../../src/config/spec-template.js';
import { InvalidOptionError, SpecError } from '../../src/errors/index.js';
import { defaultRunOptions, parseRunOptions } from '../../src/settings/run-options.js';
import { runSettingRows } from '../../src/settings/run-settings.js';
import { parseSpec } from '../../src/migration-spec/load-spec.js';

const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'online-config-'));

async function configIn(file: string, text: string): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, file), text);
  return dir;
}

async function loadError(dir: string, explicitPath?: string): Promise<ConfigError> {
  const error: unknown = await loadProjectConfig(dir, explicitPath).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadProjectConfig', () => {
  it('returns undefined when there is no config file', async () => {
    expect(await loadProjectConfig(await tempDir())).toBeUndefined();
  });

  it('fills the built-in defaults and resolves migrations against the file', async () => {
    const dir = await configIn('online.config.json', '{}');
    expect(await loadProjectConfig(dir)).toEqual({
      path: join(dir, 'online.config.json'),
      migrations: join(dir, 'migrations'),
      databaseUrlEnv: 'DATABASE_URL',
      stateSchema: 'online_migrate',
      defaults: {},
    });
  });

  it("reads YAML with the run settings in the flags' names and forms, flattened", async () => {
    const dir = await configIn(
      'online.config.yaml',
      [
        'migrations: db/specs',
        'databaseUrlEnv: APP_DB_URL',
        'stateSchema: app_ledger',
        'locks:',
        '  lock-timeout: 250ms',
        '  lock-retries: 5',
        'schedule:',
        '  window: ["22:00-06:00"]',
        '  max-duration: 0',
      ].join('\n'),
    );
    const config = await loadProjectConfig(dir);
    expect(config?.migrations).toBe(join(dir, 'db', 'specs'));
    expect(config?.databaseUrlEnv).toBe('APP_DB_URL');
    expect(config?.stateSchema).toBe('app_ledger');
    expect(config?.defaults).toEqual({ 'lock-timeout': '250ms', 'lock-retries': 5, window: ['22:00-06:00'], 'max-duration': '0' });
  });

  it('takes the first of online.config.json, .yaml, .yml', async () => {
    const dir = await configIn('online.config.yml', 'stateSchema: from_yml');
    expect((await loadProjectConfig(dir))?.stateSchema).toBe('from_yml');
    await writeFile(join(dir, 'online.config.yaml'), 'stateSchema: from_yaml');
    expect((await loadProjectConfig(dir))?.stateSchema).toBe('from_yaml');
    await writeFile(join(dir, 'online.config.json'), '{"stateSchema": "from_json"}');
    expect((await loadProjectConfig(dir))?.stateSchema).toBe('from_json');
  });

  it('reads an explicit path relative to the working directory, and resolves migrations against its directory', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'deploy'));
    await writeFile(join(dir, 'deploy', 'db.yaml'), 'migrations: ../specs');
    const config = await loadProjectConfig(dir, 'deploy/db.yaml');
    expect(config?.migrations).toBe(join(dir, 'specs'));
  });

  it('refuses a missing explicit file, naming it', async () => {
    const error = await loadError(await tempDir(), 'nope.json');
    expect(error.message).toBe('invalid config nope.json:\n  cannot read file: ENOENT');
    expect(error.exitCode).toBe(2);
  });

  it.each([
    [
      'an unknown top-level key',
      'online.config.yaml',
      'stateSchema: x\nstate_schema: y',
      /online\.config\.yaml:\n {2}\(root\): unknown field "state_schema"/,
    ],
    ['an unknown setting, naming its group', 'online.config.yaml', 'locks:\n  lock-timout: 1s', /locks: unknown field "lock-timout"/],
    [
      'a setting in camelCase rather than the flag name',
      'online.config.json',
      '{"backfill": {"batchSize": 10}}',
      /backfill: unknown field "batchSize"/,
    ],
    [
      'a bad duration',
      'online.config.yaml',
      'locks:\n  lock-timeout: abc',
      /locks\.lock-timeout: must be a duration with a unit \(ms, s, m \(or min\), h\), like 500ms, 1s, 2m or 1h/,
    ],
    [
      'a duration without a unit, as a JSON number',
      'online.config.json',
      '{"locks": {"lock-timeout": 1}}',
      /locks\.lock-timeout: needs a unit: 1ms or 1s\? \(units: ms, s, m \(or min\), h\)/,
    ],
    [
      'a duration without a unit, as YAML text',
      'online.config.yaml',
      'throttle:\n  max-replication-lag: "10"',
      /throttle\.max-replication-lag: needs a unit: 10ms or 10s\?/,
    ],
    ['a duration out of range', 'online.config.yaml', 'locks:\n  lock-timeout: 2h', /locks\.lock-timeout: Too big/],
    ['a bad size', 'online.config.yaml', 'throttle:\n  max-retained-wal: lots', /throttle\.max-retained-wal: "lots": not a size/],
    ['a bad window', 'online.config.yaml', 'schedule:\n  window: ["25:00-03:00"]', /schedule\.window: "25:00-03:00"/],
    [
      'an unknown time zone',
      'online.config.yaml',
      'schedule:\n  timezone: Mars/Olympus',
      /schedule\.timezone: is not a known IANA time zone/,
    ],
    ['a zero concurrency', 'online.config.yaml', 'backfill:\n  concurrency: 0', /backfill\.concurrency: Too small/],
    ['a fractional integer', 'online.config.yaml', 'backfill:\n  batch-size: 1.5', /backfill\.batch-size: Invalid input: expected int/],
    [
      'settings that contradict each other',
      'online.config.yaml',
      'backfill:\n  min-batch-size: 500\n  max-batch-size: 100',
      /:\n {2}backfill\.min-batch-size: min batch size 500 is greater than max batch size 100$/,
    ],
    [
      'a setting that contradicts a built-in default, as the flag would',
      'online.config.yaml',
      'backfill:\n  max-batch-size: 100',
      /backfill\.batch-size: batch size 1000 is outside \[min 10, max 100\]/,
    ],
    [
      'a state schema that is not a plain identifier',
      'online.config.json',
      '{"stateSchema": "Ledger-1"}',
      /stateSchema: must be a lower-case identifier/,
    ],
    [
      'an env var name that is not one',
      'online.config.json',
      '{"databaseUrlEnv": "postgres://x"}',
      /databaseUrlEnv: must be an environment variable name/,
    ],
    ['a file that is not JSON', 'online.config.json', '{"stateSchema": ', /online\.config\.json:\n {2}not valid JSON/],
    ['a file that is not YAML', 'online.config.yaml', 'locks: [unclosed', /not valid YAML/],
  ])('refuses %s, naming the file and the key', async (_case, file, text, message) => {
    const error = await loadError(await configIn(file, text));
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`invalid config ${file}:`)).toBe(true);
    expect(error.exitCode).toBe(2);
  });
});

describe('settings vocabulary', () => {
  const groupOfHelp: Record<string, string> = { 'BATCH SIZING': 'backfill', THROTTLE: 'throttle', SCHEDULE: 'schedule', LOCKS: 'locks' };

  it("has exactly the run flags as keys, each in the group of its flag's help", () => {
    const keys = settingGroupNames.flatMap((group) => settingKeys(group).map((key) => [key, group]));
    expect(keys.map(([key]) => key).sort()).toEqual(Object.keys(runFlags).sort());
    for (const [key, group] of keys) expect(groupOfHelp[runFlags[key as keyof typeof runFlags].helpGroup ?? '']).toBe(group);
  });
});

describe('withConfigDefaults', () => {
  const config: ProjectConfig = {
    path: '/p/online.config.json',
    migrations: '/p/migrations',
    databaseUrlEnv: 'DATABASE_URL',
    stateSchema: 'online_migrate',
    defaults: { 'lock-timeout': '250ms', 'batch-size': 500, window: ['22:00-06:00'], 'window-exit': true },
  };

  it('takes every run flag not given from the config, and keeps every flag given', () => {
    const flags = { 'lock-timeout': '2s', 'window-exit': false, complete: true };
    expect(withConfigDefaults(flags, config)).toEqual({
      'lock-timeout': '2s',
      'window-exit': false,
      complete: true,
      'batch-size': 500,
      window: ['22:00-06:00'],
    });
  });

  it('changes nothing without a config', () => {
    const flags = { 'lock-timeout': '2s' };
    expect(withConfigDefaults(flags, undefined)).toBe(flags);
  });

  it('gives flags > config > built-in defaults as run options', () => {
    const options = parseRunOptions(runOptionsFromFlags(withConfigDefaults({ 'batch-size': 800 }, config)));
    expect(options.batchSize).toBe(800);
    expect(options.lockTimeoutMs).toBe(250);
    expect(options.lockRetries).toBe(defaultRunOptions.lockRetries);
  });
});

describe('the config `online init` writes', () => {
  const input = { schemaRef: './node_modules/online/online.config.schema.json', migrations: 'migrations' };

  it.each(['json', 'yaml'] as const)('(%s) spells out exactly the built-in defaults', async (format) => {
    const dir = await configIn(`online.config.${format}`, renderInitialConfig(format, input));
    const config = await loadProjectConfig(dir);
    expect(config?.stateSchema).toBe('online_migrate');
    expect(config?.databaseUrlEnv).toBe('DATABASE_URL');
    expect(config?.migrations).toBe(join(dir, 'migrations'));
    expect(parseRunOptions(runOptionsFromFlags(config?.defaults ?? {}))).toEqual(defaultRunOptions);
    expect(Object.keys(config?.defaults ?? {}).sort()).toEqual(
      // A setting without a fixed default (it has an example) is written commented out.
      runSettingRows
        .filter(([, row]) => row.example === undefined)
        .map(([, row]) => row.flag)
        .sort(),
    );
  });

  it('(yaml) has the same content as the JSON, a schema comment, and every other setting commented out with a valid example', () => {
    const yaml = renderInitialConfig('yaml', input);
    expect(yaml.split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/online/online.config.schema.json');
    const { $schema, ...json } = JSON.parse(renderInitialConfig('json', input)) as Record<string, unknown>;
    expect($schema).toBe(input.schemaRef);
    expect(parseYaml(yaml)).toEqual(json);
    const uncommented = yaml.replace(/^ {2}# /gm, '  ');
    const settings = parseYaml(uncommented) as { throttle: Record<string, unknown>; schedule: Record<string, unknown> };
    expect(settings.throttle['throttle-query']).toBe("select count(*) > 50 from pg_stat_activity where state = 'active'");
    expect(settings.schedule.timezone).toBe('Europe/Berlin');
  });
});

describe('online.config.schema.json', () => {
  it('is the committed output of `online schema --config` (regenerate with: node bin/run.js schema --config > online.config.schema.json)', async () => {
    const committed = JSON.parse(await readFile(new URL('../../online.config.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(committed).toEqual(projectConfigJsonSchema());
  });

  it("describes each setting with its flag's help and rejects unknown keys", () => {
    const schema = projectConfigJsonSchema() as {
      additionalProperties: boolean;
      properties: { locks: { additionalProperties: boolean; properties: Record<string, { description: string }> } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.locks.additionalProperties).toBe(false);
    expect(schema.properties.locks.properties['lock-timeout']?.description).toBe(runFlags['lock-timeout'].summary);
  });
});

describe('spec file names', () => {
  const now = new Date(Date.UTC(2025, 2, 4, 5, 6, 7));

  it.each([
    ['Add ticket priority!', 'add-ticket-priority'],
    ['  Résumé: état (v2)  ', 'resume-etat-v2'],
    ['CREATE TABLE users_and_tickets', 'create-table-users-and-tickets'],
    ['x'.repeat(80), 'x'.repeat(60)],
  ])('slug of %j is %j', (description, slug) => {
    expect(slugOf(description)).toBe(slug);
  });

  it('refuses a description with no letters or digits (exit 2)', () => {
    expect(() => nextSpecFileName([], '!!! ---')).toThrow(InvalidOptionError);
    expect(() => nextSpecFileName([], '!!! ---')).toThrow(/no letters or digits/);
  });

  it.each([
    ['an empty directory', [], {}, '0001-x.yaml', true],
    ['numbered specs', ['0001-a.yaml', '0002-b.json', 'README.md', '0007-notes.txt'], {}, '0003-x.yaml', true],
    ['three-digit numbers, kept three digits so they sort', ['001-a.yaml', '009-b.yml'], {}, '010-x.yaml', true],
    ['--timestamp', ['0001-a.yaml'], { timestamp: true }, '20250304050607-x.yaml', true],
    ['timestamped specs only', ['20240101000000-a.yaml'], {}, '20250304050607-x.yaml', true],
    ['a timestamp in the same second (or the future)', ['20250304050607-a.yaml'], { timestamp: true }, '20250304050608-x.yaml', true],
    ['numbers past 9999 (wider, as asked; no longer sorts last)', ['9999-a.yaml'], {}, '10000-x.yaml', false],
    [
      'a mix of both styles, keeping numbers (sorts before the timestamps)',
      ['0001-a.yaml', '20240101000000-b.yaml'],
      {},
      '0002-x.yaml',
      false,
    ],
  ])('in %s: %s', (_case, existing, options, expected, sortsLast) => {
    const next = nextSpecFileName(existing, 'X', { ...options, now });
    expect(next.file).toBe(expected);
    expect(next.name).toBe(expected.replace(/\.yaml$/, ''));
    const last = [...existing, next.file]
      .filter((f) => /\.(yaml|yml|json)$/.test(f))
      .sort()
      .at(-1);
    expect(last === next.file).toBe(sortsLast);
  });
});

describe('the spec template of `online new`', () => {
  const text = renderSpecTemplate({
    name: '0003-add-priority',
    description: 'Add\npriority',
    schemaRef: '../node_modules/online/online.schema.json',
  });

  it('references the schema for editors and names the migration after the file', () => {
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../node_modules/online/online.schema.json');
    expect(text).toContain('# Add priority\n');
    expect(parseYaml(text)).toEqual({ name: '0003-add-priority', operations: [] });
  });

  it('fails validation untouched, saying an operation is needed', () => {
    expect(() => parseSpec(parseYaml(text), '0003-add-priority.yaml')).toThrow(SpecError);
    expect(() => parseSpec(parseYaml(text), '0003-add-priority.yaml')).toThrow(/operations: must list at least one operation/);
  });

  it('holds templates that, uncommented, are valid operations of every common kind', () => {
    const templatesAt = text.indexOf('# Templates of the common operations');
    const uncommented =
      text.slice(0, templatesAt).replace('operations: []', 'operations:') + text.slice(templatesAt).replace(/^# {3}/gm, '  ');
    const spec = parseSpec(parseYaml(uncommented), 'uncommented template');
    expect(spec.operations.map((op) => op.op)).toEqual([
      'add-column',
      'create-index',
      'add-foreign-key',
      'set-not-null',
      'change-type',
      'rename-column',
      'drop-column',
      'backfill',
      'sql',
    ]);
  });
});

describe('schemaReference', () => {
  it("prefers node_modules/online of the directory or a parent, else the running package's copy, by its absolute path", async () => {
    const project = await tempDir();
    const migrations = join(project, 'db', 'migrations');
    await mkdir(migrations, { recursive: true });
    // Not `../../../opt/online/…`: a relative path out of the project resolves on this machine only.
    expect(await schemaReference(migrations, '/opt/online', 'online.schema.json')).toBe('/opt/online/online.schema.json');
    expect(isMachineLocal('/opt/online/online.schema.json')).toBe(true);
    await mkdir(join(project, 'node_modules', 'online'), { recursive: true });
    await writeFile(join(project, 'node_modules', 'online', 'online.schema.json'), '{}');
    expect(await schemaReference(migrations, '/opt/online', 'online.schema.json')).toBe('../../node_modules/online/online.schema.json');
    expect(await schemaReference(project, '/opt/online', 'online.schema.json')).toBe('./node_modules/online/online.schema.json');
    expect(isMachineLocal('./node_modules/online/online.schema.json')).toBe(false);
  });

  it("looks for node_modules/online only up to the project's root (package.json or .git), and is relative to a running copy inside it", async () => {
    const outer = await tempDir();
    const app = join(outer, 'app');
    await mkdir(join(outer, 'node_modules', 'online'), { recursive: true });
    await writeFile(join(outer, 'node_modules', 'online', 'online.schema.json'), '{}');
    await mkdir(join(app, 'migrations'), { recursive: true });
    await writeFile(join(app, 'package.json'), '{}');
    expect(await schemaReference(join(app, 'migrations'), '/opt/online', 'online.schema.json')).toBe('/opt/online/online.schema.json');
    expect(await schemaReference(join(app, 'migrations'), join(app, 'vendor', 'online'), 'online.schema.json')).toBe(
      '../vendor/online/online.schema.json',
    );
  });
});
