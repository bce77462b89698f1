// `online init`: scaffolds a project the way Alembic users expect one: a migrations directory under
// version control and a config file with every default spelled out. It never overwrites a config
// without --force, and never touches an existing migrations directory.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Flags } from '@oclif/core';
import { connectionFlags, OnlineCommand } from '../cli/base-command.js';
import { ConfigExistsError } from '../config/config-errors.js';
import { renderInitialConfig, type ConfigFormat } from '../config/initial-config.js';
import { configFileNames } from '../config/project-config.js';
import { displayPath, pathKind } from '../config/project-files.js';
import { configSchemaFile, isMachineLocal, schemaReference } from '../config/schema-reference.js';
import { InvalidOptionError } from '../errors/index.js';
import { stateSchemaName } from '../sql-text/identifier.js';

const formats: readonly ConfigFormat[] = ['json', 'yaml'];
const migrationsReadme = `Migration specs, applied in file-name order by \`online migrate\`.
Create the next one with \`online new "<what it does>"\`; check them all with \`online check\`.
`;

export default class Init extends OnlineCommand<typeof Init> {
  static override summary = 'Create a migrations directory and a config file (online.config.json or .yaml) with the defaults written out.';
  static override description = [
    'The config holds the name of the environment variable with the database URL, the state schema, and the default backfill, throttle, lock and schedule settings, keyed by the flag names of `online start`.',
    'Precedence: command-line flags > the config file > built-in defaults. The settings apply when a migration starts; `online resume` keeps the options a migration started with unless flags are given.',
    'An existing config is not overwritten without --force (exit 2); an existing migrations directory is kept as it is. --state-schema is written into the config. init connects to no database, so it takes no database URL (refused, exit 2): set the variable the config names (databaseUrlEnv, DATABASE_URL by default).',
    "The config's $schema is ./node_modules/online/online.config.schema.json (relative to the config file) when online is installed in the project; otherwise the absolute path of the running copy, which only this machine has (said in the output).",
  ].join('\n');
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --format yaml --migrations db/migrations',
    '<%= config.bin %> init --config deploy/online.config.yaml --force',
  ];
  // init writes files and connects nowhere: a --database-url would be ignored, so it is refused (exit 2).
  static override baseFlags = { config: connectionFlags.config, 'state-schema': connectionFlags['state-schema'] };
  static override flags = {
    format: Flags.string({ summary: 'Config file format. [default: json, or the extension of --config]', options: [...formats] }),
    migrations: Flags.string({ summary: 'Migrations directory, relative to the config file.', default: 'migrations' }),
    force: Flags.boolean({ summary: 'Overwrite an existing config file.' }),
  };

  public async run(): Promise<unknown> {
    const format = this.format();
    const configPath = resolve(this.flags.config ?? configFileNames.find((name) => extname(name) === `.${format}`) ?? 'online.config.json');
    await this.refuseExisting(configPath);
    const stateSchema = this.stateSchema();
    const configDir = dirname(configPath);
    const migrationsDir = resolve(configDir, this.flags.migrations);
    const created: string[] = [];
    const kept: string[] = [];

    await mkdir(configDir, { recursive: true });
    const schemaRef = await schemaReference(configDir, this.config.root, configSchemaFile);
    const migrations = isAbsolute(this.flags.migrations)
      ? this.flags.migrations
      : relative(configDir, migrationsDir).split(sep).join('/') || '.';
    const text = renderInitialConfig(format, { schemaRef, migrations, stateSchema });
    await writeFile(configPath, text, { flag: this.flags.force ? 'w' : 'wx' }).catch((error: unknown) => {
      throw (error as NodeJS.ErrnoException).code === 'EEXIST' ? new ConfigExistsError(displayPath(configPath)) : error;
    });
    created.push(displayPath(configPath));

    if ((await pathKind(migrationsDir)) === undefined) {
      await mkdir(migrationsDir, { recursive: true });
      await writeFile(join(migrationsDir, 'README.md'), migrationsReadme);
      created.push(`${displayPath(migrationsDir)}/`, displayPath(join(migrationsDir, 'README.md')));
    } else {
      kept.push(`${displayPath(migrationsDir)}/`);
    }

    if (!this.jsonEnabled()) {
      for (const path of created) this.log(`created ${path}`);
      for (const path of kept) this.log(`kept ${path} (it already exists)`);
      if (isMachineLocal(schemaRef)) {
        this.log(
          `note: $schema is this machine's copy of online (${schemaRef}); once online is a dependency of the project (npm install --save-dev online), ` +
            `\`online init --force\` writes ./node_modules/online/${configSchemaFile} instead, which works for everyone`,
        );
      }
      this.log(`next: online new "<what the first migration does>" --dir ${displayPath(migrationsDir)}`);
    }
    return { config: displayPath(configPath), format, migrations: displayPath(migrationsDir), created, kept };
  }

  private format(): ConfigFormat {
    const fromPath = this.flags.config === undefined ? undefined : extname(this.flags.config).toLowerCase();
    const implied: ConfigFormat | undefined =
      fromPath === '.json' ? 'json' : fromPath === '.yaml' || fromPath === '.yml' ? 'yaml' : undefined;
    if (fromPath !== undefined && implied === undefined)
      throw new InvalidOptionError(`--config ${this.flags.config ?? ''}: the file name must end in .json, .yaml or .yml`);
    const chosen = this.flags.format as ConfigFormat | undefined;
    if (chosen !== undefined && implied !== undefined && chosen !== implied) {
      throw new InvalidOptionError(`--format ${chosen} does not match --config ${this.flags.config ?? ''}`);
    }
    return chosen ?? implied ?? 'json';
  }

  /** Without --force nothing is overwritten; with it too, a config of another format here would shadow the new one. */
  private async refuseExisting(configPath: string): Promise<void> {
    if (!this.flags.force && (await pathKind(configPath)) !== undefined) throw new ConfigExistsError(displayPath(configPath));
    if (this.flags.config !== undefined) return;
    for (const name of configFileNames) {
      const other = resolve(name);
      if (other === configPath || (await pathKind(other)) === undefined) continue;
      throw new ConfigExistsError(displayPath(other), `it would be read instead of ${displayPath(configPath)}; remove it first`);
    }
  }

  private stateSchema(): string | undefined {
    const given = this.flags['state-schema'];
    if (given === undefined) return undefined;
    const checked = stateSchemaName.safeParse(given);
    if (!checked.success) throw new InvalidOptionError(`--state-schema ${checked.error.issues[0]?.message ?? 'is invalid'}`);
    return checked.data;
  }
}
