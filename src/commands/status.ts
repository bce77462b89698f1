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
    'Waiting for contract means expanded and backfilled: deploy the new application, then run the contract it names: `online migrate --contract` for the specs of the migrations directory, `online complete <name>` for migrations begun with `start`.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status add-column-tickets-priority --json',
    '<%= config.bin %> status --watch',
  ];
  static override args = { name: Args.string({ description: 'migration name' }) };
  static override flags = {
    all: Flags.boolean({ summary: 'Include completed and rolled-back migrations.' }),
    watch: Flags.boolean({ summary: 'Redraw every 2 seconds until Ctrl-C (which exits 0).' }),
  };

  public async run(): Promise<unknown> {
    let overview = await this.overview();
    if (!this.flags.watch || this.jsonEnabled()) {
      this.log(render(overview));
      return overview;
    }
    // Watching changes nothing, so Ctrl-C just ends it (exit 0), without the run commands' stop line.
    const stop = this.stopSignal({ quiet: true });
    for (;;) {
      process.stdout.write(`\u001b[2J\u001b[H${render(overview)}\n`);
      if (await interrupted(stop, 2_000)) return overview;
      overview = await this.overview();
    }
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

/** Waits `ms`; true at once when `stop` aborts. */
async function interrupted(stop: AbortSignal, ms: number): Promise<boolean> {
  if (stop.aborted) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stop.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    stop.addEventListener('abort', onAbort, { once: true });
  });
}

function render(overview: Overview): string {
  const details = renderStatus(overview.migrations, new Set(overview.summary?.awaitingContractInDirectory ?? []));
  return overview.summary === undefined ? details : `${renderSummary(overview.summary)}\n\n${details}`;
}
