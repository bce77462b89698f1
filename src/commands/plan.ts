import { Args } from '@oclif/core';
import { planMigration } from '../api/start.js';
import { OnlineCommand } from '../cli/base-command.js';
import { renderPlan } from '../cli/plan-printer.js';
import { loadSpecFile } from '../spec/load-spec.js';

export default class Plan extends OnlineCommand<typeof Plan> {
  static override summary = 'Print the SQL every phase of a spec would run, after pre-flight against the database. Changes nothing.';
  static override examples = ['<%= config.bin %> plan examples/add-priority.yaml', '<%= config.bin %> plan examples/add-priority.yaml --json'];
  static override args = { file: Args.string({ required: true, description: 'spec file (YAML or JSON)' }) };

  public async run(): Promise<unknown> {
    const spec = await loadSpecFile(this.args.file);
    const plan = await planMigration({ ...this.connection(), spec });
    this.log(renderPlan(spec.name, plan));
    return { migration: spec.name, plan };
  }
}
