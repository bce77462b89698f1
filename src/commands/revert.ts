// `online revert`: undoes a completed migration with a new, inverse migration (`revert-<name>`).
import { Args, Flags } from '@oclif/core';
import { planRevert, revertMigration } from '../api/revert.js';
import { OnlineCommand } from '../cli/base-command.js';
import { withConfigDefaults } from '../cli/config-defaults.js';
import { renderPlan } from '../cli/plan-printer.js';
import { inFlagTerms, runFlags, runOptionsFromFlags } from '../cli/run-flags.js';

export default class Revert extends OnlineCommand<typeof Revert> {
  static override summary = 'Undo a completed migration by running its inverse online, as a new migration revert-NAME.';
  static override description = [
    'rollback undoes a migration until contract; after complete, revert plans the inverse of each operation, last first, and runs it like `online start`: ' +
      'pre-flight (nothing changes when it fails, exit 2), expand and backfill, and contract with --complete (else `online complete revert-NAME` after deploying the application that no longer needs the change).',
    'Inverses: create-index → drop-index; add-column → drop-column; change-type → change-type back to the recorded original type (converted by assignment); ' +
      'rename-column → rename back; add-check, add-foreign-key, add-unique → drop the constraint (and its index); set-not-null → DROP NOT NULL; create-table → drop-table, only while the table is empty (checked at start and again just before the drop).',
    'Refused (exit 2, nothing changed): drop-column, drop-table, drop-index, backfill and sql (no safe inverse: a spec is reverted whole or not at all), ' +
      'a migration not completed (use rollback), one already reverted, and a schema that changed so the inverse no longer applies.',
    'history shows "reverts NAME" on the revert and "reverted by revert-NAME" on the original once the revert completes; the original stays completed.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> revert create-index-tickets-tickets_status_created_at_idx --complete',
    '<%= config.bin %> revert add-column-tickets-priority --dry-run',
    '<%= config.bin %> revert rename-column-tickets-customer_email-to-requester_email   # then deploy, then: online complete revert-rename-column-tickets-customer_email-to-requester_email',
    '<%= config.bin %> revert change-type-users-id --complete --max-rows-per-second 20000 --json',
  ];
  static override args = { name: Args.string({ required: true, description: 'the completed migration to undo' }) };
  static override flags = {
    'dry-run': Flags.boolean({ summary: 'Print the SQL of every phase of the revert and change nothing.' }),
    complete: Flags.boolean({ summary: 'Run the revert through contract right after its backfill.' }),
    ...runFlags,
  };

  public async run(): Promise<unknown> {
    const input = { ...this.connection(), migration: this.args.name };
    const options = { ...runOptionsFromFlags(withConfigDefaults(this.flags, await this.projectConfig())), complete: this.flags.complete };
    if (this.flags['dry-run']) {
      const planned = await planRevert({ ...input, options }).catch((error: unknown) => {
        throw inFlagTerms(error);
      });
      if (!this.jsonEnabled()) this.log(renderPlan(planned.migration, planned.plan));
      return { ...planned, dryRun: true };
    }
    const result = await this.withProgress((onEvent) =>
      revertMigration({ ...input, options, signal: this.stopSignal(), onEvent }).catch((error: unknown) => {
        throw inFlagTerms(error);
      }),
    );
    if (!this.jsonEnabled()) {
      this.log(
        result.status === 'completed'
          ? `✓ ${result.reverts} reverted by ${result.migration}`
          : `✓ ${result.migration} expanded and backfilled; run \`online complete ${result.migration}\` to finish reverting ${result.reverts}`,
      );
    }
    return result;
  }
}
