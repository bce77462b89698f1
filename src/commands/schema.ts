// `online schema`: prints the JSON Schema of migration specs (or of the config).
import { Command, Flags } from '@oclif/core';
import { projectConfigJsonSchema } from '../config/config-schema.js';
import { migrationJsonSchema } from '../migration-spec/json-schema.js';

export default class Schema extends Command {
  static override summary = 'Print the JSON Schema of migration spec files (or, with --config, of the config file), for editor validation.';
  static override examples = [
    '<%= config.bin %> schema > online.schema.json',
    '<%= config.bin %> schema --config > online.config.schema.json',
  ];
  static override flags = {
    config: Flags.boolean({ summary: 'The schema of online.config.json / online.config.yaml instead of spec files.' }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(Schema);
    const schema = flags.config ? projectConfigJsonSchema() : migrationJsonSchema();
    process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
  }
}
