import { Args, Flags } from '@oclif/core';
import { migrationStatus } from '../api/status.js';
import { OnlineCommand } from '../cli/base-command.js';
import { renderStatus } from '../cli/status-printer.js';

export default class Status extends OnlineCommand<typeof Status> {
  static override summary = 'Show phase, running or interrupted, worker heartbeat, and backfill progress.';
  static override description = 'With no NAME, lists the active migrations (add --all for finished ones too).';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status add-column-tickets-priority --json', '<%= config.bin %> status --watch'];
  static override args = { name: Args.string({ description: 'migration name' }) };
  static override flags = {
    all: Flags.boolean({ summary: 'Include completed and rolled-back migrations.' }),
    watch: Flags.boolean({ summary: 'Redraw every 2 seconds until interrupted.' }),
  };

  public async run(): Promise<unknown> {
    const input = { ...this.connection(), migration: this.args.name, all: this.flags.all };
    let reports = await migrationStatus(input);
    if (!this.flags.watch || this.jsonEnabled()) {
      this.log(renderStatus(reports));
      return { migrations: reports };
    }
    const stop = this.stopSignal();
    while (!stop.aborted) {
      process.stdout.write(`\u001b[2J\u001b[H${renderStatus(reports)}\n`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      reports = await migrationStatus(input);
    }
    return { migrations: reports };
  }
}
