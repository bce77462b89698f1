import { Command } from '@oclif/core';
import { migrationJsonSchema } from '../spec/json-schema.js';

export default class Schema extends Command {
  static override summary = 'Print the JSON Schema of migration spec files, for editor validation.';
  static override examples = ['<%= config.bin %> schema > online.schema.json'];

  public async run(): Promise<void> {
    await this.parse(Schema);
    process.stdout.write(`${JSON.stringify(migrationJsonSchema(), null, 2)}\n`);
  }
}
