// `online new`: the next spec file of the migrations directory, named so that file-name order is
// creation order, holding a schema reference for editors and commented templates of the operations.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { connectionFlags, OnlineCommand } from '../cli/base-command.js';
import { MigrationsDirMissingError } from '../config/config-errors.js';
import { displayPath, pathKind } from '../config/project-files.js';
import { schemaReference, specSchemaFile } from '../config/schema-reference.js';
import { nextSpecFileName } from '../config/spec-file-name.js';
import { tableToCreate } from '../config/create-table-template.js';
import { renderSpecTemplate } from '../config/spec-template.js';

export default class New extends OnlineCommand<typeof New> {
  static override summary = 'Create the next spec file in the migrations directory, from a commented template.';
  static override description = [
    'The file is NNNN-<slug>.yaml, one more than the highest number prefix in the directory (4 digits to start), or YYYYMMDDHHMMSS-<slug>.yaml (UTC) with --timestamp ' +
      '(the default in a directory of timestamped specs only). The slug is the description in lower case, letters, digits and dashes.',
    "The file references online.schema.json for editor validation: node_modules/online/online.schema.json when the package is installed in the project, else the running package's own copy. " +
      'It stays invalid until `operations` lists at least one operation.',
    'A description that creates a table ("create tickets", "create table tickets", "add table tickets") gets a create-table operation for that table instead, ' +
      'with commented placeholder columns and constraints; it stays invalid until `columns` lists at least one column.',
    "The directory is --dir, else the config's `migrations`, else ./migrations; it must exist (`online init` creates it).",
  ].join('\n');
  static override examples = [
    '<%= config.bin %> new "create tickets and users"',
    '<%= config.bin %> new "ticket priority" --timestamp',
    '<%= config.bin %> new "assignee index" --dir db/migrations --json',
  ];
  /** Only --config (where the migrations directory is): it never connects, so no --database-url or --state-schema to ignore. */
  static override baseFlags = { config: connectionFlags.config };
  static override args = { description: Args.string({ required: true, description: 'what the migration does; it names the file' }) };
  static override flags = {
    dir: Flags.string({ summary: "Migrations directory. [default: the config's migrations, else ./migrations]" }),
    timestamp: Flags.boolean({ summary: 'Prefix the file name with the UTC time (YYYYMMDDHHMMSS) instead of the next number.' }),
  };

  public async run(): Promise<unknown> {
    const dir = await this.migrationsDir(this.flags.dir);
    if ((await pathKind(dir)) !== 'directory') throw new MigrationsDirMissingError(displayPath(dir));
    const next = nextSpecFileName(await readdir(dir), this.args.description, { timestamp: this.flags.timestamp });
    const path = join(dir, next.file);
    const schemaRef = await schemaReference(dir, this.config.root, specSchemaFile);
    const table = tableToCreate(this.args.description);
    const text = renderSpecTemplate({
      name: next.name,
      description: this.args.description,
      schemaRef,
      ...(table === undefined ? {} : { table }),
    });
    await writeFile(path, text, { flag: 'wx' });
    const todo = table === undefined ? 'add its operations' : `add the columns of ${table}`;
    if (!this.jsonEnabled()) this.log(`created ${displayPath(path)}: ${todo}, then \`online plan ${displayPath(path)}\``);
    return { path: displayPath(path), file: next.file, name: next.name, ...(table === undefined ? {} : { createTable: table }) };
  }
}
