// `online resume`: continues an interrupted, stopped or failed migration from its last committed batch.
import { Args } from '@oclif/core';
import { resumeMigration } from '../api/resume.js';
import { OnlineCommand } from '../cli/base-command.js';
import { inFlagTerms, runFlags, runOptionsFromFlags } from '../cli/run-flags.js';

export default class Resume extends OnlineCommand<typeof Resume> {
  static override summary = 'Continue an interrupted, stopped or failed migration from its last committed step and batch.';
  static override description =
    'Stored options are kept; flags given here override them and the override is recorded. With no NAME, acts on the only active migration (exit 2 listing the candidates if there are several). ' +
    'A migration awaiting contract (or failed in contract before its first step) whose tables have rows needing backfill again (a writer skipped the fill triggers, e.g. with session_replication_role = replica) is swept again: a warning names the table and a few keys, the backfill pages that table afresh, and the migration ends awaiting contract (exit 0); with no such row, resume refuses it (exit 2) and names `online complete`. A `backfill` operation is never swept again (exit 2, BACKFILL_NOT_REPEATABLE): its update could change a row twice.';
  static override examples = [
    '<%= config.bin %> resume',
    '<%= config.bin %> resume add-column-tickets-priority --max-rows-per-second 5000 --target-batch-ms 50ms',
    '<%= config.bin %> resume --window 00:00-24:00 --max-duration 0   # lift the stored window and time limit',
  ];
  static override args = { name: Args.string({ description: 'migration name (default: the only active one)' }) };
  static override flags = { ...runFlags };

  public async run(): Promise<unknown> {
    const result = await this.withProgress((onEvent) =>
      resumeMigration({
        ...this.connection(),
        migration: this.args.name,
        overrides: runOptionsFromFlags(this.flags),
        signal: this.stopSignal(),
        onEvent,
      }).catch((error: unknown) => {
        throw inFlagTerms(error);
      }),
    );
    this.log(
      result.status === 'completed' ? `✓ ${result.migration} completed` : `✓ ${result.migration} is ${result.status.replace('_', ' ')}`,
    );
    return result;
  }
}
