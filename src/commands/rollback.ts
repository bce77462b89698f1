// `online rollback`: undoes expand; refused past the point of no return.
import { Args } from '@oclif/core';
import { rollbackMigration } from '../api/rollback.js';
import { OnlineCommand } from '../cli/base-command.js';

export default class Rollback extends OnlineCommand<typeof Rollback> {
  static override summary = 'Undo expand (triggers, check, the new column). Safe to run twice; refused after complete.';
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
