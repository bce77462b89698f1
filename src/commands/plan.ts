// `online plan`: the SQL a spec (or a directory, rehearsed on a throwaway PostgreSQL) would run.
import { Args, Flags } from '@oclif/core';
import { planDirectory } from '../api/plan-directory.js';
import { planPendingSpecs } from '../api/plan-pending.js';
import { planAndForecast } from '../api/start.js';
import { OnlineCommand } from '../cli/base-command.js';
import { renderPendingPlan } from '../cli/pending-plan-printer.js';
import { forecastAnnotations } from '../cli/forecast-printer.js';
import { planPhases, renderDirectoryPlan, renderPlan } from '../cli/plan-printer.js';
import { InvalidOptionError } from '../errors/index.js';
import { MigrationsDirMissingError } from '../config/config-errors.js';
import { displayPath, pathKind } from '../config/project-files.js';
import { loadSpecFile } from '../migration-spec/load-spec.js';

export default class Plan extends OnlineCommand<typeof Plan> {
  static override summary = 'Print the SQL a spec file or a whole migrations directory would run, with lock notes. Changes nothing.';
  static override description = [
    'A FILE is pre-flighted and planned against the live database (--database-url / DATABASE_URL).',
    '',
    'A DIRECTORY (the default: the migrations directory) prints the SQL of every spec in order, for review in a pull request, like `alembic upgrade head --sql`. ' +
      "Because each spec's plan depends on the schema the specs before it leave behind, the directory is planned by rehearsal on a throwaway embedded PostgreSQL: " +
      'from an empty database, each spec is planned, then applied there, in order. No database of yours is touched or needed, so the directory must build its schema from empty ' +
      "(the assumption Alembic's offline mode makes too). The output is stable (no timestamps, ports or random names), so it can be committed and diffed.",
    '',
    'With --pending, a DIRECTORY prints only what the target database (--database-url / DATABASE_URL) has not applied yet, like `alembic upgrade head --sql` from the current revision: ' +
      'applied specs are left out, a migration under way shows only the steps it has left (one waiting for contract: its contract), and each pending spec is pre-flighted and planned against the live catalog. ' +
      'Nothing on the target changes (the ledger is only read, never created). A pending spec that changes a table an earlier pending or unfinished one also changes is listed as deferred, naming that one: ' +
      'its plan depends on what the earlier one leaves, which the live catalog does not show yet.',
    '',
    '--phase limits the printed SQL to some phases (repeat it for several); --json always gives the whole plans.',
    '',
    'A FILE is also FORECAST: under each step, the tables it locks and in which mode (brief, or long while it scans or builds), whether it rewrites or scans them and their sizes, ' +
      'and an estimated duration and WAL volume with the method behind them; under each backfill, the rows to write, calibrated by running the planned UPDATE on three sample key ranges ' +
      'of about 200 rows in a transaction that is rolled back (server-timed, EXPLAIN ANALYZE with WAL). --no-calibrate keeps to catalog figures and assumed rates. ' +
      '--json carries the same figures under `forecast`.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan examples/tickets > schema-changes.sql',
    '<%= config.bin %> plan examples/tickets --phase contract',
    '<%= config.bin %> plan examples/tickets --pending   # only what this database has not applied yet',
    '<%= config.bin %> plan examples/add-priority.yaml',
    '<%= config.bin %> plan examples/add-priority.yaml --json',
    '<%= config.bin %> plan examples/add-priority.yaml --no-calibrate   # catalog figures only, no timed samples',
  ];
  static override args = {
    target: Args.string({ description: 'spec file (YAML or JSON) or migrations directory [default: the migrations directory]' }),
  };
  static override flags = {
    phase: Flags.string({ summary: 'Print only this phase (repeatable).', options: [...planPhases], multiple: true }),
    calibrate: Flags.boolean({
      summary:
        'A file: time a few samples for the forecast (a rolled-back backfill batch, a read, a sort); --no-calibrate uses catalog figures and assumed rates.',
      default: true,
      allowNo: true,
    }),
    pending: Flags.boolean({
      summary:
        'A directory: only what the target database has not applied yet, planned against its live catalog (needs a database; changes nothing).',
    }),
  };

  public async run(): Promise<unknown> {
    const target = await this.migrationsDir(this.args.target);
    const phases = planPhases.filter((p) => this.flags.phase === undefined || this.flags.phase.includes(p));
    if ((await pathKind(target)) !== 'directory') {
      if (this.args.target === undefined) throw new MigrationsDirMissingError(displayPath(target));
      if (this.flags.pending) throw new InvalidOptionError(`--pending plans a migrations directory; ${displayPath(target)} is not one`);
      const spec = await loadSpecFile(target);
      const { plan, forecast, forecastError } = await planAndForecast({ ...this.connection(), spec, calibrate: this.flags.calibrate });
      if (forecastError !== undefined) this.warn(`no forecast: ${forecastError}`);
      this.log(renderPlan(spec.name, plan, phases, forecast === undefined ? {} : forecastAnnotations(forecast)));
      return { migration: spec.name, plan, ...(forecast === undefined ? {} : { forecast }) };
    }
    if (this.flags.pending) {
      const pending = await planPendingSpecs({ ...this.connection(), dir: target });
      this.log(renderPendingPlan(pending, phases, this.args.target));
      return { migrations: pending };
    }
    const quiet = this.jsonEnabled();
    const plans = await planDirectory({
      directory: target,
      onSpec: (file, index, total) => {
        if (!quiet) process.stderr.write(`rehearsing ${index + 1}/${total} ${file}\n`);
      },
    });
    this.log(renderDirectoryPlan(plans, phases));
    return { migrations: plans };
  }
}
