import { Args } from '@oclif/core';
import { completeMigration } from '../api/complete.js';
import { OnlineCommand } from '../cli/base-command.js';
import { createProgressRenderer, progressMode } from '../cli/progress-renderer.js';

export default class Complete extends OnlineCommand<typeof Complete> {
  static override summary = 'Run contract: validate, set NOT NULL, drop the sync triggers.';
  static override description =
    'Refuses (exit 2, nothing changed) while any row still needs backfill: this is checked against the table, not assumed.';
  static override examples = ['<%= config.bin %> complete', '<%= config.bin %> complete add-column-tickets-priority --json'];
  static override args = { name: Args.string({ description: 'migration name (default: the only active one)' }) };

  public async run(): Promise<unknown> {
    const progress = createProgressRenderer(progressMode(this.jsonEnabled()));
    try {
      const result = await completeMigration({
        ...this.connection(),
        migration: this.args.name,
        signal: this.stopSignal(),
        onEvent: progress.listener,
      });
      progress.stop();
      this.log(`✓ ${result.migration} completed`);
      return result;
    } finally {
      progress.stop();
    }
  }
}
