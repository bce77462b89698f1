// `online pause`: asks a running migration to pause after its current batch.
import { PauseFlagCommand } from '../cli/pause-command.js';

export default class Pause extends PauseFlagCommand {
  static override summary = 'Pause a backfill from any host: the worker idles at its next batch boundary.';
  static override description =
    'Sets a flag in the state table; the worker reads it about every second. A worker run with `online start --exit-on-pause` (or with resume or migrate) exits 3 instead (resumable). `online unpause` lets it continue. Exit codes: 0 done, 2 unknown or finished migration.';
  static override examples = ['<%= config.bin %> pause', '<%= config.bin %> pause add-column-tickets-priority --json'];
  protected readonly pausing = true;
}
