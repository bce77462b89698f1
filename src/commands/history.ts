// `online history`: what each migration did, per phase and per backfill task.
import { migrationHistory } from '../api/history.js';
import { OnlineCommand } from '../cli/base-command.js';
import { renderHistory } from '../cli/history-printer.js';

export default class History extends OnlineCommand<typeof History> {
  static override summary =
    'List every migration in the ledger, oldest first: status, phases, timestamps, and the rows and time of each backfill.';
  static override description =
    "Per phase: the steps done out of those planned and their total time. Per backfill task: rows done, batches, and the time from the backfill's start to its last batch (including any time it spent interrupted). Read-only: a database with no ledger prints `no migrations yet`.";
  static override examples = ['<%= config.bin %> history', '<%= config.bin %> history --json'];

  public async run(): Promise<unknown> {
    const migrations = await migrationHistory(this.connection());
    this.log(renderHistory(migrations));
    return { migrations };
  }
}
