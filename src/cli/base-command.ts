// The base of every command: shared connection flags, compact JSON output, errors mapped to the
// exit codes of the CLI contract, and graceful stop on SIGINT/SIGTERM.
import { Command, Flags, type Interfaces } from '@oclif/core';
import { maskSecrets, passwordOf } from '../db/mask-secrets.js';
import { InvalidOptionError, OnlineError } from '../errors/index.js';

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof OnlineCommand)['baseFlags'] & T['flags']>;
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

export abstract class OnlineCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    'database-url': Flags.string({
      summary: 'PostgreSQL connection URL. Defaults to the DATABASE_URL environment variable.',
      env: 'DATABASE_URL',
      helpGroup: 'CONNECTION',
    }),
    'state-schema': Flags.string({
      summary: 'Schema that holds the migration ledger.',
      default: 'online_migrate',
      helpGroup: 'CONNECTION',
    }),
  };

  protected flags!: CommandFlags<T>;
  protected args!: CommandArgs<T>;
  #stop = new AbortController();

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
  }

  /** The connection flags every library call takes. */
  protected connection(): { databaseUrl: string; stateSchema: string } {
    const databaseUrl = this.flags['database-url'];
    if (databaseUrl === undefined || databaseUrl === '') {
      throw new InvalidOptionError('no database: pass --database-url or set DATABASE_URL');
    }
    return { databaseUrl, stateSchema: this.flags['state-schema'] };
  }

  /** Aborted by the first SIGINT/SIGTERM (the current batch finishes); a second one exits at once. */
  protected stopSignal(): AbortSignal {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.#stop.signal.aborted) {
        process.stderr.write(`\n${signal} again: exiting now; \`online resume\` continues from the last committed batch\n`);
        process.exit(3);
      }
      process.stderr.write(`\n${signal}: finishing the current batch, then stopping (press again to exit now)\n`);
      this.#stop.abort();
    };
    process.on('SIGINT', () => onSignal('SIGINT')).on('SIGTERM', () => onSignal('SIGTERM'));
    return this.#stop.signal;
  }

  /** One JSON document per line, so long runs can stream NDJSON events before the result. */
  public override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json)}\n`);
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err.oclif?.exit !== undefined) return super.catch(err);
    const url = this.flags?.['database-url'];
    const secrets = url === undefined ? [] : [passwordOf(url)];
    const known = err instanceof OnlineError;
    const exitCode = known ? err.exitCode : 1;
    const message = maskSecrets(known ? err.message : `unexpected error: ${err.message}`, secrets);
    if (this.jsonEnabled()) this.logJson({ error: { ...(known ? err.toJSON() : { name: err.name, code: 'UNEXPECTED' }), message, exitCode } });
    else process.stderr.write(`error: ${message}\n`);
    this.exit(exitCode);
    return undefined;
  }
}
