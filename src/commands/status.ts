// `online status`: the project summary, or one migration's state and progress.
import { Args, Flags } from '@oclif/core';
import { migrationStatus, type MigrationReport } from '../api/status.js';
import { statusSummary, type StatusSummary } from '../api/status-summary.js';
import { OnlineCommand } from '../cli/base-command.js';
import { renderStatus, renderSummary } from '../cli/status-printer.js';
import { pathKind } from '../config/project-files.js';

interface Overview {
  readonly summary?: StatusSummary;
  readonly migrations: readonly MigrationReport[];
}

export default class Status extends OnlineCommand<typeof Status> {
  static override summary = 'Show phase, running or interrupted, worker heartbeat, and backfill progress.';
  static override description = [
    'With no NAME: first a summary of the project (running, interrupted, failed, waiting for contract, completed, and the specs of the migrations directory not applied yet), then the active migrations (add --all for finished ones too).',
    'Waiting for contract means expanded and backfilled: deploy the new application, then `online migrate --contract` (or `online complete <name>`).',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status add-column-tickets-priority --json',
    '<%= config.bin %> status --watch',
  ];
  static override args = { name: Args.string({ description: 'migration name' }) };
  static override flags = {
    all: Flags.boolean({ summary: 'Include completed and rolled-back migrations.' }),
    watch: Flags.boolean({ summary: 'Redraw every 2 seconds until interrupted.' }),
  };

  public async run(): Promise<unknown> {
    let overview = await this.overview();
    if (!this.flags.watch || this.jsonEnabled()) {
      this.log(render(overview));
      return overview;
    }
    const stop = this.stopSignal();
    while (!stop.aborted) {
      process.stdout.write(`\u001b[2J\u001b[H${render(overview)}\n`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      overview = await this.overview();
    }
    return overview;
  }

  private async overview(): Promise<Overview> {
    const connection = this.connection();
    const migrations = await migrationStatus({ ...connection, migration: this.args.name, all: this.flags.all });
    if (this.args.name !== undefined) return { migrations };
    const dir = await this.migrationsDir(undefined);
    const directory = (await pathKind(dir)) === 'directory' ? dir : undefined;
    return { summary: await statusSummary({ ...connection, directory }), migrations };
  }
}

function render(overview: Overview): string {
  const details = renderStatus(overview.migrations);
  return overview.summary === undefined ? details : `${renderSummary(overview.summary)}\n\n${details}`;
}
