// `online schema`: prints the JSON Schema of migration specs (or of the config).
import { Command, Flags } from '@oclif/core';
import { projectConfigJsonSchema } from '../config/config-schema.js';
import { migrationJsonSchema } from '../migration-spec/json-schema.js';
import { writeError } from '../cli/error-output.js';
import { unknownFlagError } from '../cli/non-existent-flags.js';

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

  /** A flag typo names the flag meant, as in every other command (they extend the base command). */
  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    const unknownFlag = unknownFlagError(err, this.ctor, this.id);
    if (unknownFlag === undefined) return super.catch(err);
    writeError(false, unknownFlag.toJSON(), unknownFlag.message, unknownFlag.exitCode);
    return this.exit(unknownFlag.exitCode);
  }
}
