// `online import`: a migration tool's SQL migrations as online specs in the migrations directory, one
// per source migration (more when one spec cannot hold it: spec-drafts.ts), in the tool's order.
//
// All or nothing: every source migration is read, split and translated, and every generated spec is
// validated as `online migrate` will load it, before a single file is written; one statement that
// cannot be made safe refuses the whole import (ImportRefusedError, each statement listed with why and
// what to do instead). Files are written under temporary names, then renamed.
// Idempotent: a source migration whose name the directory already holds is left alone ("already
// imported"), so a team that keeps generating SQL with its tool imports each new migration as it comes.
// The source tool's own ledger is only touched with `ledger` (`--mark-applied`: mark-applied.ts).
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { nextSpecFileName } from '../config/spec-file-name.js';
import { ImportError, ImportRefusedError, type ImportRefusal } from '../errors/index.js';
import { parseSpec } from '../migration-spec/load-spec.js';
import { readSpecDirectory, type SpecDirectory } from '../migration-spec/spec-directory.js';
import { MigrationsDirMissingError } from '../errors/index.js';
import type { SourceMigration, SourceTool, SpecDraft } from './import-types.js';
import { alreadyImported, baseMigrationName, partMigrationName } from './migration-names.js';
import { readSourceMigrations, type SkippedSourceFile } from './sources/read-source.js';
import { sourceStatements } from './source-statements.js';
import { specDrafts } from './spec-drafts.js';
import { specYaml } from './spec-yaml.js';
import { translateMigration } from './translate/translate-migration.js';
import { translationContext } from './translate/translation-scope.js';

export interface ImportInput {
  /** A tool's migrations directory (or project root), or one .sql file. */
  readonly source: string;
  /** The tool; detected from the layout when absent. */
  readonly from?: SourceTool;
  /** online's migrations directory (created when missing). */
  readonly dir: string;
  /** The `$schema` reference written in each spec, relative to `dir`. */
  readonly schemaRef: string;
  /** Translate and validate everything, write nothing. */
  readonly dryRun?: boolean;
}

export interface ImportedSpec {
  /** The spec's file name in the migrations directory. */
  readonly file: string;
  readonly migration: string;
  /** The operations it holds, by `op`, in order. */
  readonly operations: readonly string[];
  /** Why this part starts a new spec (a source migration split in parts). */
  readonly splitReason?: string;
}

/** imported / would-import (dry run) / already-imported (the directory holds it) / nothing-to-run (only comments or transaction control). */
export type ImportAction = 'imported' | 'would-import' | 'already-imported' | 'nothing-to-run';

export interface ImportedMigration {
  /** The tool's name for it. */
  readonly id: string;
  /** Its source file, relative to the source path. */
  readonly file: string;
  /** The online migration name (of its first part, when split). */
  readonly migration: string;
  readonly action: ImportAction;
  readonly specs: readonly ImportedSpec[];
}

export interface ImportResult {
  readonly tool: SourceTool;
  readonly source: string;
  readonly dir: string;
  readonly dryRun: boolean;
  readonly migrations: readonly ImportedMigration[];
  /** Every source migration of the source, in order (what --mark-applied works on). */
  readonly sourceMigrations: readonly SourceMigration[];
  /** Files of the source the tool runs but the importer leaves to it (Flyway's repeatable and undo scripts), and why. */
  readonly skipped: readonly SkippedSourceFile[];
}

interface PlannedFile {
  readonly file: string;
  readonly text: string;
}

export async function importMigrations(input: ImportInput): Promise<ImportResult> {
  const { tool, migrations, skipped } = await readSourceMigrations(input.source, input.from);
  const directory = await existingDirectory(input.dir);
  const fileNames = [...directory.files.map((f) => f.file), ...directory.problems.map((p) => p.file)];
  const names = new Set(directory.files.map((f) => f.spec.name));
  const refusals: ImportRefusal[] = [];
  // Carried through every migration in order: a DROP INDEX finds the table of an index an earlier one created.
  const context = translationContext();
  const results: ImportedMigration[] = [];
  const planned: PlannedFile[] = [];
  for (const migration of migrations) {
    const base = baseMigrationName(migration);
    if (alreadyImported(names, base)) {
      // Read only for what later migrations learn from it (the indexes it created); its specs stay as they are.
      await translateMigration((await sourceStatements(migration)).statements, context).catch(() => undefined);
      const specs = directory.files
        .filter((f) => f.spec.name === base || f.spec.name.startsWith(`${base}-part-`))
        .map((f) => ({ file: f.file, migration: f.spec.name, operations: f.spec.operations.map((o) => o.op) }));
      results.push({ id: migration.id, file: migration.file, migration: base, action: 'already-imported', specs });
      continue;
    }
    const { statements, trailingComments } = await sourceStatements(migration);
    const translated = await translateMigration(statements, context);
    for (const t of translated) {
      if (t.translation.kind !== 'refused') continue;
      const { reason, suggestion } = t.translation;
      refusals.push({ where: `${migration.file}:${t.statement.line}`, sql: t.statement.sql, reason, suggestion });
    }
    if (refusals.length > 0) continue;
    const drafts = specDrafts(migration, translated);
    if (drafts.length === 0) {
      results.push({ id: migration.id, file: migration.file, migration: base, action: 'nothing-to-run', specs: [] });
      continue;
    }
    const specs = drafts.map((draft, i) => {
      const name = partMigrationName(base, i + 1, drafts.length);
      if (names.has(name))
        throw new ImportError('IMPORT_NAME_TAKEN', `${migration.file}: the migration name ${name} is already used in ${input.dir}`);
      names.add(name);
      const next = nextSpecFileName(fileNames, name);
      fileNames.push(next.file);
      const text = specYaml({
        migration,
        name,
        draft,
        part: i + 1,
        parts: drafts.length,
        trailingComments: i === drafts.length - 1 ? trailingComments : [],
        schemaRef: input.schemaRef,
      });
      validateGenerated(migration, next.file, name, text);
      planned.push({ file: next.file, text });
      return importedSpec(next.file, name, draft);
    });
    results.push({
      id: migration.id,
      file: migration.file,
      migration: specs[0]?.migration ?? base,
      action: input.dryRun === true ? 'would-import' : 'imported',
      specs,
    });
  }
  if (refusals.length > 0) throw new ImportRefusedError(refusals);
  if (input.dryRun !== true && planned.length > 0) await writeAll(input.dir, planned);
  return {
    tool,
    source: input.source,
    dir: input.dir,
    dryRun: input.dryRun === true,
    migrations: results,
    sourceMigrations: migrations,
    skipped,
  };
}

function importedSpec(file: string, migration: string, draft: SpecDraft): ImportedSpec {
  const operations = draft.operations.map((o) => o.operation.op);
  return draft.splitReason === undefined
    ? { file, migration, operations }
    : { file, migration, operations, splitReason: draft.splitReason };
}

/** The directory's specs; a directory that does not exist yet is empty (it is created on write). */
async function existingDirectory(dir: string): Promise<SpecDirectory> {
  try {
    return await readSpecDirectory(dir);
  } catch (error) {
    if (error instanceof MigrationsDirMissingError) return { dir, files: [], problems: [] };
    throw error;
  }
}

/** A generated spec that `online migrate` would not load is the importer's bug: refuse rather than write it. */
function validateGenerated(migration: SourceMigration, file: string, name: string, text: string): void {
  try {
    const spec = parseSpec(parseYaml(text), file, name);
    if (spec.name !== name) throw new Error(`its name is ${spec.name}, not ${name}`);
  } catch (error) {
    throw new ImportError(
      'IMPORT_SPEC_INVALID',
      `${migration.file}: the spec generated for it (${file}) does not validate, so nothing was written (this is a bug in the importer; please report it with the source file): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Every file under a temporary name first, then renamed: a failure leaves no half-written spec behind. */
async function writeAll(dir: string, files: readonly PlannedFile[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temporary = (file: string): string => join(dir, `.${file}.importing`);
  try {
    for (const f of files) await writeFile(temporary(f.file), f.text, { flag: 'wx' });
    for (const f of files) await rename(temporary(f.file), join(dir, f.file));
  } catch (error) {
    await Promise.all(files.map((f) => rm(temporary(f.file), { force: true })));
    throw new ImportError('IMPORT_WRITE_FAILED', `cannot write the specs into ${dir}: ${(error as NodeJS.ErrnoException).message}`, {
      cause: error,
    });
  }
}
