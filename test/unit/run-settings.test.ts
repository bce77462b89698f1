// The run settings table is the one source of the run options' zod schema, the run flags and the
// config file's schema; errors name the option key and each layer names the setting its own way.
// --concurrency takes a number or auto, and --max-concurrency only goes with auto.
import { describe, expect, it } from 'vitest';
import { inFlagTerms, runFlags, runOptionsFromFlags } from '../../src/cli/run-flags.js';
import { projectConfigJsonSchema, settingGroups } from '../../src/config/config-schema.js';
import { InvalidOptionError } from '../../src/errors/index.js';
import { withConfigDefaults } from '../../src/cli/config-defaults.js';
import {
  defaultRunOptions,
  overrideOptions,
  parseRunOptions,
  runOptionsFromInputs,
  runOptionsSchema,
} from '../../src/settings/run-options.js';
import { defaultMaxConcurrency, initialWorkers, maxWorkers } from '../../src/settings/worker-count.js';
import { runSettingRows } from '../../src/settings/run-settings.js';
import { inputOf, readInput } from '../../src/settings/setting-input.js';

interface JsonSchemaObject {
  readonly properties: Record<
    string,
    { readonly description?: string; readonly properties: Record<string, { readonly description?: string }> }
  >;
}

function thrown(run: () => unknown): InvalidOptionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError');
}

describe('the run settings table', () => {
  const configJson = projectConfigJsonSchema() as unknown as JsonSchemaObject;

  it.each(runSettingRows)('%s is a run option, a flag and a config key, described alike', (option, row) => {
    expect(Object.keys(runOptionsSchema.shape)).toContain(option);
    const flag = runFlags[row.flag as keyof typeof runFlags];
    expect(flag.summary).toBe(row.description);
    expect(settingGroups[row.group].shape[row.configKey]).toBeDefined();
    expect(configJson.properties[row.group]?.properties[row.configKey]?.description).toBe(row.description);
  });

  it('has every setting, and the schema, the flags and the config have nothing else (but `complete`, set by commands)', () => {
    const options = runSettingRows.map(([option]) => option);
    expect(Object.keys(runOptionsSchema.shape)).toEqual([...options, 'complete']);
    expect(Object.keys(runFlags)).toEqual(runSettingRows.map(([, row]) => row.flag));
    const configKeys = Object.entries(settingGroups).flatMap(([group, schema]) =>
      Object.keys(schema.shape).map((key) => `${group}.${key}`),
    );
    expect(configKeys).toEqual(runSettingRows.map(([, row]) => `${row.group}.${row.configKey}`));
  });

  it.each(runSettingRows.filter(([, row]) => row.example === undefined))(
    '%s: the default, as `online init` writes it in the config, reads back to the default',
    (option, row) => {
      const written = inputOf(row.input, defaultRunOptions[option]);
      expect(written).toBeDefined();
      const loaded = settingGroups[row.group].shape[row.configKey]?.parse(written);
      expect(readInput(option, row.input, loaded ?? 0)).toEqual(defaultRunOptions[option]);
    },
  );

  it.each(runSettingRows.filter(([, row]) => row.example !== undefined))('%s: its example is a valid value', (option, row) => {
    expect(() => parseRunOptions(runOptionsFromInputs({ [option]: row.example }))).not.toThrow();
  });
});

describe('errors about a run setting', () => {
  it('name the option key in the library, with the problem apart', () => {
    const error = thrown(() => parseRunOptions({ lockTimeoutMs: 0 }));
    expect(error.message).toBe('invalid option lockTimeoutMs: Too small: expected number to be >=1');
    expect(error.option).toBe('lockTimeoutMs');
    expect(error.setting).toEqual({ option: 'lockTimeoutMs', problem: 'Too small: expected number to be >=1', unreadable: false });
  });

  it('name the flag on the command line: `--flag: …` for a value out of bounds, `--flag …` for text that cannot be read', () => {
    const bounds = inFlagTerms(thrown(() => parseRunOptions({ lockTimeoutMs: 0 })));
    expect(bounds).toBeInstanceOf(InvalidOptionError);
    expect((bounds as InvalidOptionError).message).toBe('--lock-timeout: Too small: expected number to be >=1');
    expect(thrown(() => runOptionsFromFlags({ 'lock-timeout': 'soon' })).message).toBe(
      '--lock-timeout must be a duration with a unit (ms, s, m (or min), h), like 500ms, 1s, 2m or 1h',
    );
    expect(thrown(() => runOptionsFromFlags({ 'lock-timeout': '1' })).message).toBe(
      '--lock-timeout needs a unit: 1ms or 1s? (units: ms, s, m (or min), h)',
    );
    expect(thrown(() => runOptionsFromFlags({ 'max-retained-wal': 'lots' })).message).toMatch(/^--max-retained-wal "lots": not a size \(/);
    expect(thrown(() => runOptionsFromFlags({ window: ['22:00-06:00', '25:00-03:00'] })).message).toBe(
      '--window "25:00-03:00": hours must be 00–23 (format HH:MM-HH:MM, e.g. 22:00-06:00)',
    );
  });

  it('leave other errors as they are', () => {
    const other = new InvalidOptionError('no database: pass --database-url or set DATABASE_URL');
    expect(inFlagTerms(other)).toBe(other);
    const complete = thrown(() => parseRunOptions({ complete: 'yes' as unknown as boolean }));
    expect(inFlagTerms(complete)).toBe(complete);
  });

  it.each(runSettingRows.filter(([, row]) => row.input.kind === 'duration'))(
    '%s: a bare number is refused unless the name gives the unit; 0 is read in any unit',
    (option, row) => {
      const bare = (): unknown => runOptionsFromFlags({ [row.flag]: '5' });
      if (row.flag.endsWith('-ms')) expect(bare()).toEqual({ [option]: 5 });
      else expect(bare).toThrow(`--${row.flag} needs a unit: 5ms or 5s?`);
      expect(runOptionsFromFlags({ [row.flag]: '0' })).toHaveProperty(option);
      expect(runOptionsFromFlags({ [row.flag]: '5s' })).toEqual({ [option]: 5_000 });
    },
  );

  it('read 0 as no limit and "" as no throttle query, which clear stored ones on resume', () => {
    expect(runOptionsFromFlags({ 'max-duration': '0', 'max-active-sessions': 0, 'throttle-query': ' ', 'pause-ms': 0 })).toMatchObject({
      maxDurationMs: null,
      maxActiveSessions: null,
      throttleQuery: null,
      pauseMs: 0,
    });
  });
});

describe('--concurrency and --max-concurrency', () => {
  it('read a number of workers or auto, from a flag and from the config file alike', () => {
    expect(runOptionsFromFlags({ concurrency: '3' })).toEqual({ concurrency: 3 });
    expect(runOptionsFromFlags({ concurrency: 'auto', 'max-concurrency': 6 })).toEqual({ concurrency: 'auto', maxConcurrency: 6 });
    expect(runOptionsFromInputs({ concurrency: 4 })).toEqual({ concurrency: 4 });
    expect(runOptionsFromInputs({ concurrency: ' AUTO ' })).toEqual({ concurrency: 'auto' });
    expect(parseRunOptions({ concurrency: 'auto' })).toMatchObject({ concurrency: 'auto', maxConcurrency: null });
  });

  it.each(['lots', '2.5', '-1', '', 'auto2'])('refuse %j, naming the forms they take', (text) => {
    expect(thrown(() => runOptionsFromFlags({ concurrency: text })).message).toBe(
      `--concurrency must be a number of workers from 1 to 64, or auto: ${JSON.stringify(text)}`,
    );
  });

  it('refuse a number of workers out of bounds', () => {
    expect(inFlagTerms(thrown(() => parseRunOptions(runOptionsFromFlags({ concurrency: '0' }))))).toHaveProperty(
      'message',
      '--concurrency: Too small: expected number to be >=1',
    );
    expect(() => parseRunOptions({ concurrency: 65 })).toThrow('Too big');
  });

  it('refuse --max-concurrency without auto, since it would do nothing', () => {
    const error = inFlagTerms(thrown(() => parseRunOptions(runOptionsFromFlags({ concurrency: '2', 'max-concurrency': 6 }))));
    expect((error as InvalidOptionError).message).toBe(
      '--max-concurrency: applies only with concurrency auto (it caps the workers auto adds), and concurrency is 2: set concurrency to auto, or leave max concurrency out',
    );
    expect(() => parseRunOptions({ maxConcurrency: 6 })).toThrow('concurrency is 1');
    // 0 is the default cap, as `online init` writes it, and clears a stored one on resume.
    expect(parseRunOptions(runOptionsFromFlags({ 'max-concurrency': 0 }))).toMatchObject({ concurrency: 1, maxConcurrency: null });
  });

  it('refuse the limits of --cancel-blockers-after without it, and text that is not a duration; 0 is never', () => {
    for (const [flag, value] of [
      ['terminate-blockers', true],
      ['cancel-superuser-blockers', true],
      ['max-blocker-writes', 2],
    ] as const) {
      const error = inFlagTerms(thrown(() => parseRunOptions(runOptionsFromFlags({ [flag]: value }))));
      expect((error as InvalidOptionError).message).toBe(
        `--${flag}: applies only with cancel-blockers-after (it limits which blockers are cancelled, and none are without it): set cancel-blockers-after too, or leave it out`,
      );
      expect((error as InvalidOptionError).exitCode).toBe(2);
    }
    // 0 means never: how `resume` switches a stored one off.
    expect(parseRunOptions(runOptionsFromFlags({ 'cancel-blockers-after': '0' }))).toMatchObject({ cancelBlockersAfterMs: null });
    expect(inFlagTerms(thrown(() => parseRunOptions(runOptionsFromFlags({ 'cancel-blockers-after': 'soon' }))))).toHaveProperty(
      'message',
      expect.stringContaining('--cancel-blockers-after must be a duration'),
    );
    expect(
      parseRunOptions(runOptionsFromFlags({ 'cancel-blockers-after': '30s', 'terminate-blockers': true, 'max-blocker-writes': 0 })),
    ).toMatchObject({ cancelBlockersAfterMs: 30_000, terminateBlockers: true, cancelSuperuserBlockers: false, maxBlockerWrites: 0 });
    expect(defaultRunOptions).toMatchObject({ cancelBlockersAfterMs: null, terminateBlockers: false, maxBlockerWrites: 0 });
    // 0 is the default, as `online init` writes it: harmless without --cancel-blockers-after.
    expect(parseRunOptions(runOptionsFromFlags({ 'max-blocker-writes': 0 }))).toMatchObject({ maxBlockerWrites: 0 });
  });

  it('give the workers a run starts with and the most it may have', () => {
    const options = (input: Parameters<typeof parseRunOptions>[0]): [number, number] => {
      const o = parseRunOptions(input);
      return [initialWorkers(o), maxWorkers(o)];
    };
    expect(options({})).toEqual([1, 1]);
    expect(options({ concurrency: 3 })).toEqual([3, 3]);
    expect(options({ concurrency: 'auto' })).toEqual([1, defaultMaxConcurrency]);
    expect(options({ concurrency: 'auto', maxConcurrency: 8 })).toEqual([1, 8]);
  });

  it('a cap is not inherited from stored or configured options when --concurrency is given without one', () => {
    const stored = parseRunOptions({ concurrency: 'auto', maxConcurrency: 6 });
    expect(parseRunOptions(overrideOptions(stored, { concurrency: 2 }))).toMatchObject({ concurrency: 2, maxConcurrency: null });
    expect(parseRunOptions(overrideOptions(stored, { maxConcurrency: 8 }))).toMatchObject({ concurrency: 'auto', maxConcurrency: 8 });
    expect(overrideOptions(stored, { concurrency: undefined })).toMatchObject({ concurrency: 'auto', maxConcurrency: 6 });
    const config = {
      path: '/p/online.config.yaml',
      migrations: '/p/migrations',
      databaseUrlEnv: 'DATABASE_URL',
      stateSchema: 'online_migrate',
    };
    const configured = { ...config, defaults: { concurrency: 'auto', 'max-concurrency': 6 } };
    expect(withConfigDefaults({ concurrency: '2' }, configured)).toEqual({ concurrency: '2' });
    expect(withConfigDefaults({}, configured)).toEqual({ concurrency: 'auto', 'max-concurrency': 6 });
  });
});
