// `online stamp`: records the specs of a migrations directory as applied without running them (a baseline).
import { Args, Flags } from '@oclif/core';
import { stampDirectory, type StampResult, type StampedSpec } from '../api/stamp.js';
import { OnlineCommand } from '../cli/base-command.js';

export default class Stamp extends OnlineCommand<typeof Stamp> {
  static override summary =
    'Record the specs of a migrations directory as applied, without running them, so an existing schema can adopt online.';
  static override description = [
    "Alembic's `stamp`, node-pg-migrate's baseline: for a database whose schema was built before online (by hand, another tool, a dump), " +
      'stamp records every spec up to and including --to (default: all) as completed, with the hash `online migrate` checks for drift. ' +
      '`online migrate` then skips them and applies only the later specs; an applied file edited afterwards is reported as drift.',
    'Every spec must be valid (exit 2 otherwise, nothing recorded). A spec the ledger already has completed with the same content is skipped; ' +
      'one recorded in another state (running, stopped, failed, waiting for contract) or from different content is refused (exit 2, nothing recorded). ' +
      'A rolled-back spec is stamped like a new one. Stamp holds the migrate lock, so it waits for a running `online migrate` (--no-wait: exit 2).',
    'Stamp trusts you that the schema is there, and warns where the live schema plainly differs: a table of create-table or a column of add-column that ' +
      'does not exist, a named index of create-index missing, a table or column a drop should have removed still there. Types, defaults and constraints are not compared.',
    'Exit codes: 0 stamped (or nothing to stamp), 2 invalid spec, unknown --to file, a conflicting ledger record or --no-wait refusal (nothing recorded).',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> stamp examples/tickets --dry-run',
    '<%= config.bin %> stamp examples/tickets --to 0003-ticket-priority-index.yaml',
    "<%= config.bin %> stamp   # the config's migrations directory, else ./migrations",
    '<%= config.bin %> stamp examples/tickets --json',
  ];
  static override args = {
    dir: Args.string({ description: "directory of spec files (default: the config's migrations, else ./migrations)" }),
  };
  static override flags = {
    to: Flags.string({ summary: 'The last spec file to stamp (a file name in the directory, inclusive). [default: every spec]' }),
    'dry-run': Flags.boolean({ summary: 'List what would be stamped, and the warnings; record nothing.' }),
    wait: Flags.boolean({
      summary: 'Wait while an `online migrate` runs on this database. --no-wait: refuse at once (exit 2).',
      allowNo: true,
      default: true,
    }),
  };

  public async run(): Promise<StampResult> {
    const dir = await this.migrationsDir(this.args.dir);
    const connection = this.connection();
    const result = await this.withProgress((onEvent) =>
      stampDirectory({
        ...connection,
        dir,
        to: this.flags.to,
        dryRun: this.flags['dry-run'],
        wait: this.flags.wait,
        signal: this.stopSignal(),
        onEvent,
      }),
    );
    if (!this.jsonEnabled()) for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    for (const spec of result.specs) this.log(line(spec));
    this.log(summary(result));
    return result;
  }
}

function line(spec: StampedSpec): string {
  const what = { stamped: 'stamped', 'would-stamp': 'would stamp', 'already-applied': 'already applied' }[spec.action];
  return `${what.padEnd(15)} ${spec.file}${spec.migration === spec.file.replace(/\.[^.]+$/, '') ? '' : ` (migration ${spec.migration})`}`;
}

function summary(result: StampResult): string {
  const count = result.specs.filter((s) => s.action !== 'already-applied').length;
  const specs = `${count} spec${count === 1 ? '' : 's'}`;
  if (count === 0) return 'nothing to stamp: every spec is already applied';
  if (result.dryRun) return `dry run: ${specs} would be recorded as applied, without running them; nothing was recorded`;
  return `${specs} recorded as applied, without running them; \`online migrate\` applies the specs after them`;
}
