// `online rollback`: undoes expand; refused past the point of no return.
import { Args } from '@oclif/core';
import { rollbackMigration } from '../api/rollback.js';
import { OnlineCommand } from '../cli/base-command.js';

export default class Rollback extends OnlineCommand<typeof Rollback> {
  static override summary = "Undo a migration's expand. Safe to run twice; refused once contract has passed its point of no return.";
  static override description =
    'What rollback does depends on the operations: it drops what expand added (triggers, a NOT VALID constraint, a new column, shadow columns, an index built concurrently, a created table); a contract-only operation (drop-column, drop-index, drop-table) has nothing to undo. ' +
    '`online plan <file>` or `online start <file> --dry-run` print its exact SQL (the rollback section).';
  static override examples = ['<%= config.bin %> rollback', '<%= config.bin %> rollback add-column-tickets-priority'];
  static override args = { name: Args.string({ description: 'migration name (default: the only active one)' }) };

  public async run(): Promise<unknown> {
    const result = await this.withProgress((onEvent) =>
      rollbackMigration({
        ...this.connection(),
        migration: this.args.name,
        signal: this.stopSignal(),
        onEvent,
      }),
    );
    this.log(`✓ ${result.migration} rolled back`);
    return result;
  }
}
