// `online plan`: the SQL a spec (or a directory, rehearsed on a throwaway PostgreSQL) would run.
import { Args, Flags } from '@oclif/core';
import { planDirectory } from '../api/plan-directory.js';
import { planMigration } from '../api/start.js';
import { OnlineCommand } from '../cli/base-command.js';
import { planPhases, renderDirectoryPlan, renderPlan } from '../cli/plan-printer.js';
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
    '--phase limits the printed SQL to some phases (repeat it for several); --json always gives the whole plans.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan examples/tickets > schema-changes.sql',
    '<%= config.bin %> plan examples/tickets --phase contract',
    '<%= config.bin %> plan examples/add-priority.yaml',
    '<%= config.bin %> plan examples/add-priority.yaml --json',
  ];
  static override args = {
    target: Args.string({ description: 'spec file (YAML or JSON) or migrations directory [default: the migrations directory]' }),
  };
  static override flags = {
    phase: Flags.string({ summary: 'Print only this phase (repeatable).', options: [...planPhases], multiple: true }),
  };

  public async run(): Promise<unknown> {
    const target = await this.migrationsDir(this.args.target);
    const phases = planPhases.filter((p) => this.flags.phase === undefined || this.flags.phase.includes(p));
    if ((await pathKind(target)) !== 'directory') {
      if (this.args.target === undefined) throw new MigrationsDirMissingError(displayPath(target));
      const spec = await loadSpecFile(target);
      const plan = await planMigration({ ...this.connection(), spec });
      this.log(renderPlan(spec.name, plan, phases));
      return { migration: spec.name, plan };
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
