// `online start`: pre-flight, expand and backfill a spec file or an operation given as flags.
import { Args, Flags } from '@oclif/core';
import { OnlineCommand } from '../cli/base-command.js';
import { renderPlan } from '../cli/plan-printer.js';
import { flagIssue, operationFlags, operationFromFlags, refuseOperationFlags } from '../cli/operation-flags.js';
import { inFlagTerms, runFlags, runOptionsFromFlags } from '../cli/run-flags.js';
import { withConfigDefaults } from '../cli/config-defaults.js';
import { dryRunStart, startMigration } from '../api/start.js';
import { recordedPlan } from '../api/recorded-plan.js';
import { awaitingContractLine } from '../plan/phase-summary.js';
import { parseSpec } from '../migration-spec/load-spec.js';
import { loadSpecTarget } from '../cli/spec-target.js';
import type { MigrationSpec } from '../migration-spec/migration-spec.js';
import { operations } from '../operations/index.js';
import { SpecError } from '../errors/index.js';

const opNames: readonly string[] = operations.map((o) => o.op);

export default class Start extends OnlineCommand<typeof Start> {
  static override summary = 'Pre-flight, expand and backfill a migration (and contract with --complete).';
  static override description =
    'TARGET is a spec file (YAML or JSON) or an operation name with its fields as flags (the OPERATION flags, which a spec file refuses: its fields are in the file). --dry-run makes every check a start makes, then prints the plan. Nothing is changed when a pre-flight check fails (exit 2). Exit codes: 0 done, 1 failed (resumable), 2 invalid input, 3 stopped (resumable).\n\n' +
    'Run settings: a flag given here wins over the project config (online.config.json/.yaml: groups backfill, throttle, schedule, locks, keyed by these flag names), which wins over the built-in defaults. The options the migration starts with are stored with it: `online resume` keeps them (a config edited later does not apply) unless flags are given to resume. Durations need a unit (ms, s, m or min, h): 500ms, 1s, 2m; a bare number is refused but 0 (none) and --target-batch-ms.\n\n' +
    '--concurrency auto starts the backfill with one worker and adds one while rows/s rises 10% or more and the health probes allow, up to --max-concurrency (default 4); a worker that gains less is taken back, and a probe past its limit (or sessions waiting on our locks) takes one away. `online status` shows how many and why.';
  static override examples = [
    '<%= config.bin %> start examples/add-priority.yaml',
    `<%= config.bin %> start add-column --table tickets --column priority --type text --default "'normal'" --backfill "CASE WHEN escalated THEN 'high' ELSE 'normal' END" --not-null`,
    '<%= config.bin %> start create-index --table tickets --columns status,created_at --where "status <> \'closed\'"',
    '<%= config.bin %> start add-foreign-key --table tickets --columns assigned_user_id --references-table users --references-columns id --on-delete "set null" --complete',
    '<%= config.bin %> start set-not-null --table tickets --column priority --backfill "\'normal\'" --complete',
    '<%= config.bin %> start change-type --table users --column id --type bigint',
    '<%= config.bin %> start change-type --table legacy --column code --type integer --using "nullif(code, \'\')::integer"',
    '<%= config.bin %> start rename-column --table tickets --column customer_email --to requester_email',
    '<%= config.bin %> start drop-column --table tickets --column legacy_flag --cascade',
    '<%= config.bin %> start create-table --table notes --columns "id bigint, body text" --primary-key id',
    '<%= config.bin %> start backfill --table tickets --set "status=upper(status)" --where "status <> upper(status)"',
    '<%= config.bin %> start sql --phase expand --sql "comment on table tickets is \'support tickets\'"',
    '<%= config.bin %> start examples/add-priority.yaml --dry-run',
    '<%= config.bin %> start examples/add-priority.yaml --complete --json',
    '<%= config.bin %> start examples/add-priority.yaml --concurrency 2 --max-rows-per-second 20000 --max-replication-lag 5s',
    '<%= config.bin %> start examples/add-priority.yaml --concurrency auto --max-concurrency 8 --max-active-sessions 40',
    '<%= config.bin %> start examples/add-priority.yaml --window 22:00-06:00 --timezone Europe/Berlin --window-exit',
    `<%= config.bin %> start examples/add-priority.yaml --throttle-query "select count(*) > 50 from pg_stat_activity where state = 'active'"`,
  ];
  static override args = {
    target: Args.string({ required: true, description: `spec file, or an operation: ${opNames.join(', ')}` }),
  };
  static override flags = {
    'dry-run': Flags.boolean({ summary: 'Print the SQL of every phase and change nothing.' }),
    complete: Flags.boolean({ summary: 'Run contract right after the backfill.' }),
    ...runFlags,
    ...operationFlags,
  };

  public async run(): Promise<unknown> {
    const spec = await this.spec();
    const connection = this.connection();
    const options = { ...runOptionsFromFlags(withConfigDefaults(this.flags, await this.projectConfig())), complete: this.flags.complete };
    if (this.flags['dry-run']) {
      const plan = await dryRunStart({ ...connection, spec, options }).catch((error: unknown) => {
        throw inFlagTerms(error);
      });
      if (!this.jsonEnabled()) this.log(renderPlan(spec.name, plan));
      return { migration: spec.name, dryRun: true, plan };
    }
    const result = await this.withProgress((onEvent) =>
      startMigration({
        ...connection,
        spec,
        options,
        signal: this.stopSignal(),
        onEvent,
      }).catch((error: unknown) => {
        throw inFlagTerms(error);
      }),
    );
    if (!this.jsonEnabled()) {
      this.log(
        result.status === 'completed'
          ? `✓ ${result.migration} completed`
          : awaitingContractLine(result.migration, await recordedPlan({ ...connection, migration: result.migration })),
      );
    }
    return result;
  }

  private async spec(): Promise<MigrationSpec> {
    const { target } = this.args;
    if (!opNames.includes(target)) {
      // A mistyped operation is named as such first; only a real spec file makes operation flags ignored.
      const spec = await loadSpecTarget(target, opNames);
      refuseOperationFlags(target, this.flags);
      return spec;
    }
    const op = operationFromFlags(target, this.flags);
    try {
      return parseSpec({ name: this.flags['migration-name'], operations: [op] }, `(flags of \`start ${target}\`)`);
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      throw new SpecError(`(flags of \`start ${target}\`)`, error.details.map(flagIssue));
    }
  }
}
