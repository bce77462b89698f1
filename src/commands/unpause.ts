// `online unpause`: lets a paused migration continue.
import { PauseFlagCommand } from '../cli/pause-command.js';

export default class Unpause extends PauseFlagCommand {
  static override summary = 'Let a paused backfill continue.';
  static override description =
    'Clears the pause flag; an idling worker continues within about a second. Exit codes: 0 done, 2 unknown or finished migration.';
  static override examples = ['<%= config.bin %> unpause', '<%= config.bin %> unpause add-column-tickets-priority'];
  protected readonly pausing = false;
}
