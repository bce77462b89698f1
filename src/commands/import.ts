// `online import <source>`: a migration tool's SQL migrations as online specs (src/import).
import { Args, Flags } from '@oclif/core';
import { OnlineCommand } from '../cli/base-command.js';
import { renderImport, renderLedgerAgreement } from '../cli/import-printer.js';
import { displayPath } from '../config/project-files.js';
import { schemaReference, specSchemaFile } from '../config/schema-reference.js';
import { importMigrations } from '../import/import-migrations.js';
import { sourceTools } from '../import/import-types.js';
import { markApplied, type LedgerAgreement } from '../import/mark-applied.js';
import { parseLedgerTable } from '../import/ledger-table-option.js';

export default class Import extends OnlineCommand<typeof Import> {
  static override summary =
    'Turn the SQL migrations of Prisma, drizzle-kit, node-pg-migrate or Flyway into online specs, each dangerous statement replaced by an online operation.';
  static override description = [
    'Reads the tool\'s layout (Prisma: prisma/migrations/*/migration.sql; drizzle-kit: meta/_journal.json and its .sql files; node-pg-migrate: SQL migrations with "-- Up Migration"; ' +
      'Flyway: V<version>__<description>.sql; sql: a .sql file or a directory of them in name order), detected from the layout unless --from says.',
    "Every statement is parsed by PostgreSQL's own grammar and becomes an online operation where one exists (ADD COLUMN with a default or NOT NULL → add-column, CREATE INDEX → create-index, " +
      'ADD CONSTRAINT → the NOT VALID / USING INDEX operations, ALTER COLUMN TYPE → change-type, UPDATE → a batched backfill…); what is already safe stays plain SQL in an `sql` step of the right phase; ' +
      'what cannot be made safe (SET TABLESPACE, VACUUM FULL…) refuses the import, each statement listed with the reason and what to do instead.',
    "One spec file per source migration, named with the next number of the migrations directory and carrying the tool's name for it as its migration name, the source file and every comment. " +
      'A migration online cannot run as one spec (an index on a column the same migration adds: pre-flight judges a spec before it runs) is split into parts, in order, each saying why.',
    'All or nothing: every generated spec is validated before any is written. A source migration the directory already holds is left alone, so importing again only adds what is new.',
    "--mark-applied (needs the database): records the imported migrations the tool has not applied as applied in the tool's own ledger, so the tool never runs what online runs, " +
      'and records those the tool already applied as applied in online\'s (online stamp). Without it, stop the tool from running them yourself (README: "Stopping the source tool").',
    "Exit codes: 0 imported (or nothing new), 2 unreadable source or a statement refused (nothing written), or a ledger that cannot be marked safely (the tool's ledger is left unchanged; the specs are already written, and importing again once the ledger is fixed marks them).",
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> import prisma/migrations --dry-run',
    '<%= config.bin %> import drizzle --dir migrations',
    '<%= config.bin %> import db/migration --from flyway --json',
    '<%= config.bin %> import prisma/migrations --mark-applied --database-url "$DATABASE_URL"',
  ];
  static override args = {
    source: Args.string({ required: true, description: "the tool's migrations directory (or project root), or one .sql file" }),
  };
  static override flags = {
    from: Flags.string({ summary: 'The tool that wrote the migrations. [default: detected from the layout]', options: [...sourceTools] }),
    dir: Flags.string({
      summary:
        "online's migrations directory to write the specs into (created if missing). [default: the config's migrations, else ./migrations]",
    }),
    'dry-run': Flags.boolean({ summary: 'Translate and validate everything, print what would be written; write nothing.' }),
    'mark-applied': Flags.boolean({
      summary:
        "Record in the tool's own ledger that online now runs the imported migrations (and stamp those the tool already applied). Needs the database.",
      exclusive: ['dry-run'],
    }),
    'ledger-table': Flags.string({
      summary:
        "With --mark-applied: the tool's ledger table when it is not the tool's default, as [schema.]table (what node-pg-migrate's migrations-schema and migrations-table options, or drizzle's migrationsSchema and migrationsTable, name).",
      dependsOn: ['mark-applied'],
    }),
  };

  public async run(): Promise<unknown> {
    const dir = displayPath(await this.migrationsDir(this.flags.dir));
    const connection = this.flags['mark-applied'] ? this.connection() : undefined;
    const ledgerTable = this.flags['ledger-table'] === undefined ? undefined : parseLedgerTable(this.flags['ledger-table']);
    const from = sourceTools.find((t) => t === this.flags.from);
    const result = await importMigrations({
      source: this.args.source,
      dir,
      schemaRef: await schemaReference(dir, this.config.root, specSchemaFile),
      dryRun: this.flags['dry-run'],
      ...(from === undefined ? {} : { from }),
    });
    // The specs are written before the tool's ledger is told: marked applied with no spec to run them, a
    // migration would run nowhere. A failure here leaves the specs written; importing again marks them.
    this.log(renderImport(result));
    let ledger: LedgerAgreement | undefined;
    if (connection !== undefined) {
      ledger = await this.withProgress((onEvent) =>
        markApplied({
          ...connection,
          onEvent,
          dir,
          tool: result.tool,
          sourceMigrations: result.sourceMigrations,
          imported: result.migrations,
          ...(ledgerTable === undefined ? {} : { ledgerTable }),
        }),
      );
      this.log(renderLedgerAgreement(result, ledger));
    }
    const json = {
      tool: result.tool,
      source: result.source,
      dir: result.dir,
      dryRun: result.dryRun,
      migrations: result.migrations,
      skipped: result.skipped,
    };
    return ledger === undefined ? json : { ...json, ledger };
  }
}
