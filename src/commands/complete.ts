// `online complete`: runs contract once the backfill is done.
import { Args } from '@oclif/core';
import { completeMigration } from '../api/complete.js';
import { OnlineCommand } from '../cli/base-command.js';

export default class Complete extends OnlineCommand<typeof Complete> {
  static override summary = "Run a migration's contract: the switch-over its plan ends with.";
  static override description =
    "What contract does depends on the operations: validating constraints, setting NOT NULL, swapping in a rebuilt column and dropping the sync triggers, dropping a column, index or table. `online start`'s closing line says it, and `online plan <file>` or `online start <file> --dry-run` print its exact SQL before you start. " +
    'Refuses (exit 2, nothing changed) while any row still needs backfill: this is checked against the table, not assumed. Completing a completed migration succeeds and changes nothing.';
  static override examples = ['<%= config.bin %> complete', '<%= config.bin %> complete add-column-tickets-priority --json'];
  static override args = { name: Args.string({ description: 'migration name (default: the only active one)' }) };

  public async run(): Promise<unknown> {
    const result = await this.withProgress((onEvent) =>
      completeMigration({
        ...this.connection(),
        migration: this.args.name,
        signal: this.stopSignal(),
        onEvent,
      }),
    );
    this.log(`✓ ${result.migration} completed`);
    return result;
  }
}
