// `online complete`: runs contract once the backfill is done.
import { Args } from '@oclif/core';
import { completeMigration } from '../api/complete.js';
import { OnlineCommand } from '../cli/base-command.js';

export default class Complete extends OnlineCommand<typeof Complete> {
  static override summary = 'Run contract: validate, set NOT NULL, drop the sync triggers.';
  static override description =
    'Refuses (exit 2, nothing changed) while any row still needs backfill: this is checked against the table, not assumed.';
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
