// `online check`: validates the specs of a directory (or files) without touching a database.
import { Args } from '@oclif/core';
import { checkDirectory } from '../api/check-directory.js';
import type { ConnectionInput } from '../api/session.js';
import { OnlineCommand } from '../cli/base-command.js';
import { renderCheck } from '../cli/check-printer.js';
import { InvalidOptionError } from '../errors/index.js';

export default class Check extends OnlineCommand<typeof Check> {
  static override summary =
    'Check a migrations directory for CI: every spec valid, no drift from the ledger, pending specs pass pre-flight. Changes nothing.';
  static override description = [
    'Without a database, validates every spec file (schema, unique migration names): nothing else is needed.',
    '',
    'With a database (--database-url, DATABASE_URL or the config), also:',
    '  - drift: a spec the ledger has applied whose content differs from the file (edited after it ran) is an error naming the file;',
    '  - pre-flight: every pending spec is checked against the live database (tables, columns, types, expressions), as `start` would before changing anything.',
    '',
    "A pending spec that touches a table an earlier pending spec (or a migration still unfinished in the ledger) also touches cannot be judged against today's schema " +
      '(it may index the column the earlier one adds), so its pre-flight is reported as deferred, naming the spec it runs after, instead of a false failure. ' +
      '`online plan <dir>` rehearses the whole directory from an empty database.',
    '',
    'Exit codes: 0 every file ok (deferred counts as ok), 2 any error.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> check',
    '<%= config.bin %> check examples/tickets',
    '<%= config.bin %> check migrations --database-url "$DATABASE_URL" --json',
  ];
  static override args = { dir: Args.string({ description: "migrations directory [default: the config's, else migrations]" }) };

  public async run(): Promise<unknown> {
    const result = await checkDirectory({ directory: await this.migrationsDir(this.args.dir), connection: this.optionalConnection() });
    this.log(renderCheck(result));
    if (!result.ok) process.exitCode = 2;
    return result;
  }

  /** The database when one is given; `check` works without. */
  private optionalConnection(): ConnectionInput | undefined {
    try {
      return this.connection();
    } catch (error) {
      if (error instanceof InvalidOptionError) return undefined;
      throw error;
    }
  }
}
