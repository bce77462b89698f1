// `online migrate`: takes every spec of the migrations directory to its next state, in order.
import { Args, Flags } from '@oclif/core';
import { migrateDirectory, type MigrateDirectoryResult, type MigrateEvent, type SpecOutcome } from '../api/migrate-directory.js';
import { describeDrift, describeHolder } from '../errors/index.js';
import type { MigrateMode } from '../api/migrate-directory.js';
import { OnlineCommand } from '../cli/base-command.js';
import { createProgressRenderer, progressMode, type ProgressRenderer } from '../cli/progress-renderer.js';
import { inFlagTerms, runFlags, runOptionsFromFlags } from '../cli/run-flags.js';
import { withConfigDefaults } from '../cli/config-defaults.js';
import { withDirectory } from '../cli/directory-argument.js';

export default class Migrate extends OnlineCommand<typeof Migrate> {
  static override summary = 'Apply every pending spec of a migrations directory, in file-name order: start, backfill, complete.';
  static override description = [
    'Each spec is taken from its state in the ledger: new specs are started, interrupted, stopped or failed ones resumed, expanded ones completed, applied ones skipped. The run stops at the first failure with the state recorded; running `online migrate` again continues from there. Nothing pending: exit 0.',
    'Multi-phase deploys: `--expand-only` expands and backfills every pending spec but runs no contract (specs whose contract is empty, such as new tables and indexes, are completed), so the old and the new application both work; deploy the new application, then `--contract` completes the expanded specs in file order, stopping at the first spec not expanded yet. `online status` lists the migrations waiting for contract.',
    'Before anything changes, every spec must be valid and every applied spec unchanged: the ledger keeps the hash of each validated spec, so an edited applied file stops the run (exit 2, naming the file) unless --allow-drift. Comments and formatting are not drift.',
    'One `online migrate` runs at a time per database and state schema: another one waits for it, naming it (pid and host), or with --no-wait refuses (exit 2).',
    "Run flags apply to the specs this run starts (over the config's defaults) and override the stored options of the ones it resumes.",
    'Exit codes: 0 done or nothing to do, 1 a migration failed (re-run to continue), 2 invalid spec, drift, pre-flight failure or --no-wait refusal (nothing changed by that spec), 3 stopped (re-run to continue).',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> migrate examples/tickets',
    "<%= config.bin %> migrate   # the config's migrations directory, else ./migrations",
    '<%= config.bin %> migrate --expand-only   # before deploying the new application',
    '<%= config.bin %> migrate --contract      # after it is deployed everywhere',
    '<%= config.bin %> migrate examples/tickets --json',
    '<%= config.bin %> migrate --no-wait',
    '<%= config.bin %> migrate --allow-drift',
    '<%= config.bin %> migrate examples/tickets --max-rows-per-second 5000 --window 22:00-06:00 --timezone Europe/Berlin',
  ];
  static override args = {
    dir: Args.string({ description: "directory of spec files (default: the config's migrations, else ./migrations)" }),
  };
  static override flags = {
    'expand-only': Flags.boolean({
      summary: 'Expand and backfill every pending spec, run no contract: deploy the new application, then `migrate --contract`.',
      exclusive: ['contract'],
    }),
    contract: Flags.boolean({
      summary: 'Complete the specs waiting for contract, in file order; start nothing new.',
      exclusive: ['expand-only'],
    }),
    'allow-drift': Flags.boolean({ summary: 'Go on when applied spec files were edited (warns; the recorded plans are kept).' }),
    wait: Flags.boolean({
      summary: 'Wait while another `online migrate` runs on this database. --no-wait: refuse at once (exit 2).',
      allowNo: true,
      default: true,
    }),
    ...runFlags,
  };

  public async run(): Promise<unknown> {
    const dir = await this.migrationsDir(this.args.dir);
    const connection = this.connection();
    const config = await this.projectConfig();
    const mode: MigrateMode = this.flags['expand-only'] ? 'expand-only' : this.flags.contract ? 'contract' : 'all';
    const json = this.jsonEnabled();
    const progress = createProgressRenderer(progressMode(json));
    const command = withDirectory('online migrate', this.args.dir);
    try {
      const result = await migrateDirectory({
        ...connection,
        dir,
        mode,
        allowDrift: this.flags['allow-drift'],
        wait: this.flags.wait,
        options: runOptionsFromFlags(withConfigDefaults(this.flags, config)),
        overrides: runOptionsFromFlags(this.flags),
        signal: this.stopSignal(),
        command,
        onEvent: (event) => this.show(event, progress, json, command),
      }).catch((error: unknown) => {
        throw inFlagTerms(error);
      });
      progress.stop();
      this.log(summary(result, command));
      return result;
    } finally {
      progress.stop();
    }
  }

  private show(event: MigrateEvent, progress: ProgressRenderer, json: boolean, command: string): void {
    if (json) {
      this.logJson(event);
      return;
    }
    const say = (line: string): void => {
      progress.stop();
      this.log(line);
    };
    switch (event.type) {
      case 'migrate-waiting':
        say(`waiting for ${describeHolder(event.holder)} to finish…`);
        return;
      case 'migrate-locked':
        say(`the other online migrate finished after ${(event.waitedMs / 1000).toFixed(1)}s; going on`);
        return;
      case 'migrate-drift':
        say(
          `warning: applied specs were edited since they started (--allow-drift; the recorded plans are kept):\n  ${event.drifted.map(describeDrift).join('\n  ')}`,
        );
        return;
      case 'migrate-spec':
        say(`▸ ${event.file}: ${event.step}${event.file.startsWith(`${event.migration}.`) ? '' : ` ${event.migration}`}`);
        return;
      case 'migrate-spec-done': {
        const line = outcomeLine(event);
        if (line !== undefined) say(line);
        return;
      }
      case 'migrate-halted':
        // A stop (Ctrl-C, --max-duration, a window) is not a cause to fix: its error names the one next step.
        if (event.code === 'STOPPED') return;
        say(
          `✗ ${event.file}: ${event.migration} stopped the run (${event.code}); once the cause is fixed, \`${command}\` continues from here`,
        );
        return;
      default:
        progress.listener(event);
    }
  }
}

/** The line for a spec this run acted on (or skipped with something to say); none for plain skips. */
function outcomeLine(o: SpecOutcome): string | undefined {
  if (o.action === 'pending') return undefined;
  if (o.action === 'skipped') return o.note === undefined ? undefined : `= ${o.file}: ${o.migration} ${o.note}`;
  const state =
    o.status === 'completed'
      ? 'completed'
      : o.status === 'awaiting_contract'
        ? `${o.started ?? 'expanded'}; waits for contract`
        : (o.status ?? 'not started');
  return `✓ ${o.file}: ${o.migration} ${state}`;
}

/** `command`: `online migrate` with the directory as the user gave it, for the next steps. */
function summary(r: MigrateDirectoryResult, command: string): string {
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  const acted = r.specs.filter((s) => s.action !== 'skipped' && s.action !== 'pending').length;
  const waiting =
    r.awaitingContract.length === 0
      ? ''
      : `; ${count(r.awaitingContract.length, 'migration')} wait for contract: ${r.awaitingContract.join(', ')}`;
  const pending =
    r.pending.length === 0
      ? ''
      : `\n${count(r.pending.length, 'spec')} not expanded yet (from ${r.pending[0] ?? ''}): run \`${command} --expand-only\` (or \`${command}\`) first`;
  if (r.specs.length === 0) return `nothing to do: ${r.dir} has no spec files`;
  if (r.nothingToDo) {
    const state =
      r.mode === 'contract'
        ? 'no spec waits for contract'
        : r.mode === 'expand-only'
          ? 'every spec is expanded'
          : `all ${count(r.specs.length, 'spec')} are applied`;
    return `nothing to do in ${r.dir}: ${state}${waiting}${pending}`;
  }
  if (r.mode === 'expand-only') {
    const next = r.awaitingContract.length === 0 ? '' : `\ndeploy the new application, then run \`${command} --contract\``;
    const completed = r.specs.filter((s) => s.action !== 'skipped' && s.status === 'completed').length;
    const none = completed === 0 ? '' : ` (${completed} completed: nothing to contract)`;
    return `✓ ${r.dir}: ${count(acted, 'spec')} expanded${none}${waiting}${next}`;
  }
  if (r.mode === 'contract') return `✓ ${r.dir}: ${count(acted, 'migration')} contracted${waiting}${pending}`;
  return `✓ ${r.dir}: ${count(acted, 'spec')} applied in this run; all ${count(r.specs.length, 'spec')} completed`;
}
