// `online rehearse`: runs a spec (or a directory's pending specs) for real on a throwaway copy of the
// target, traces every lock, and reports what the forecast did not say.
import { Args, Flags } from '@oclif/core';
import { OnlineCommand } from '../cli/base-command.js';
import { withConfigDefaults } from '../cli/config-defaults.js';
import { renderRehearsal } from '../cli/rehearsal-printer.js';
import { inFlagTerms, runFlags, runOptionsFromFlags } from '../cli/run-flags.js';
import { InvalidOptionError } from '../errors/index.js';
import { durationMs } from '../settings/duration.js';
import { defaultMaxLockHoldMs, rehearse } from '../rehearsal/rehearse.js';
import { parseSample } from '../rehearsal/sample-option.js';

export default class Rehearse extends OnlineCommand<typeof Rehearse> {
  static override summary =
    'Run a migration for real on a throwaway copy of the database, trace every lock it takes, and report what the forecast did not say.';
  static override description = [
    "Copies the target's schema (and with --sample a sample of each table's rows) into a throwaway embedded PostgreSQL of the same major version, then runs the migration there through start and complete, " +
      'with the run settings given, while a synthetic writer updates and inserts rows in every table it touches. ' +
      'Event triggers in the copy record the locks each DDL statement takes and every table rewrite; a poller samples pg_locks for the locks every statement (DML, LOCK TABLE, concurrent index builds) holds and waits for, and for how long. ' +
      'NOTHING ON THE TARGET CHANGES: it is only read (a read-only snapshot for the copy, and its ledger, so a directory rehearses only the specs it has not applied). The throwaway server is always stopped, on Ctrl-C too.',
    'Findings: a lock stronger than the forecast for that statement, a lock (other than ACCESS SHARE) on a relation the forecast does not name, any table rewrite (flagged by the forecast or not: its lock lasts as long as writing the table), ' +
      'a lock that blocks writers held longer than --max-lock-hold in a step meant to be brief, the migration failing on the copy, and any error the synthetic writer got.',
    'Exit codes: 0 no finding, 1 findings (listed), 2 invalid input or the copy could not be made, 3 interrupted.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> rehearse examples/add-priority.yaml',
    '<%= config.bin %> rehearse examples/add-priority.yaml --sample 1%',
    "<%= config.bin %> rehearse   # the pending specs of the config's migrations directory, else ./migrations",
    '<%= config.bin %> rehearse examples/tickets --sample 0.5% --json',
    '<%= config.bin %> rehearse examples/change-type-title-varchar.yaml --max-lock-hold 200ms --lock-timeout 500ms',
    '<%= config.bin %> rehearse examples/add-priority.yaml --any-version',
  ];
  static override args = {
    target: Args.string({ description: 'spec file, or migrations directory [default: the migrations directory]' }),
  };
  static override flags = {
    sample: Flags.string({ summary: "Copy this percent of each table's rows, e.g. 1% or 0.5% [default: schema only, empty tables]." }),
    'max-lock-hold': Flags.string({
      summary: `Longest a lock that blocks writers may be held in a step meant to be brief, e.g. 500ms [default: ${defaultMaxLockHoldMs / 1000}s].`,
    }),
    'any-version': Flags.boolean({
      summary: "Rehearse on the default embedded PostgreSQL when the target's major version has none installed (warns).",
    }),
    ...runFlags,
  };

  public async run(): Promise<unknown> {
    const path = await this.migrationsDir(this.args.target);
    const options = runOptionsFromFlags(withConfigDefaults(this.flags, await this.projectConfig()));
    const quiet = this.jsonEnabled();
    const report = await rehearse({
      ...this.connection(),
      path,
      sample: this.flags.sample === undefined ? undefined : parseSample(this.flags.sample),
      options,
      maxLockHoldMs: this.maxLockHold(),
      allowOtherMajor: this.flags['any-version'],
      signal: this.stopSignal(),
      onProgress: (message) => {
        if (!quiet) process.stderr.write(`${message}\n`);
      },
    }).catch((error: unknown) => {
      throw inFlagTerms(error);
    });
    if (!quiet) this.log(renderRehearsal(report));
    if (report.findings.length > 0) process.exitCode = 1;
    return report;
  }

  private maxLockHold(): number | undefined {
    const text = this.flags['max-lock-hold'];
    if (text === undefined) return undefined;
    const parsed = durationMs().safeParse(text);
    if (!parsed.success) throw new InvalidOptionError(`--max-lock-hold ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    return parsed.data;
  }
}
