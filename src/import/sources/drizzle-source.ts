// drizzle-kit's layout: `meta/_journal.json` lists the migrations (`idx`, `when`, `tag`), each in
// `<tag>.sql` beside `meta/`. drizzle-orm's migrator runs the journal's entries in the order listed.
import { join } from 'node:path';
import { z } from 'zod';
import { ImportError } from '../../errors/index.js';
import type { SourceMigration } from '../import-types.js';
import { exists, readText } from './source-files.js';

const journalSchema = z.object({
  version: z.string().optional(),
  dialect: z.string(),
  entries: z.array(
    z.object({
      idx: z.number().int().nonnegative(),
      version: z.string().optional(),
      when: z.number().int().nonnegative(),
      tag: z.string().min(1),
      breakpoints: z.boolean().optional(),
    }),
  ),
});

/** The directory holding `meta/_journal.json`: `path` itself (drizzle-kit's `out`) or `path/drizzle` (the project). */
export async function drizzleMigrationsDirectory(path: string): Promise<string | undefined> {
  for (const candidate of [path, join(path, 'drizzle')]) {
    if (await exists(join(candidate, 'meta', '_journal.json'))) return candidate;
  }
  return undefined;
}

export async function readDrizzleMigrations(path: string): Promise<readonly SourceMigration[]> {
  const dir = await drizzleMigrationsDirectory(path);
  if (dir === undefined) {
    throw new ImportError(
      'IMPORT_SOURCE_LAYOUT',
      `${path}: no drizzle journal found (looked for meta/_journal.json and drizzle/meta/_journal.json)`,
    );
  }
  const journalFile = join(dir, 'meta', '_journal.json');
  const journal = parseJournal(journalFile, await readText(journalFile));
  const migrations: SourceMigration[] = [];
  let previous: { idx: number; when: number } | undefined;
  for (const entry of journal.entries) {
    if (previous !== undefined && (entry.idx <= previous.idx || entry.when <= previous.when)) {
      throw new ImportError(
        'IMPORT_SOURCE_ORDER',
        `${journalFile}: entry ${entry.tag} (idx ${entry.idx}, when ${entry.when}) comes after idx ${previous.idx} (when ${previous.when}): ` +
          'drizzle runs the entries in the order listed and skips any whose `when` is not newer than the last one applied, so a journal out of idx or when order would not run as written; fix the journal (drizzle-kit writes it in order)',
      );
    }
    previous = entry;
    const file = join(dir, `${entry.tag}.sql`);
    if (!(await exists(file))) {
      throw new ImportError(
        'IMPORT_SOURCE_LAYOUT',
        `${journalFile}: entry ${entry.tag} has no ${entry.tag}.sql beside meta/ (drizzle's migrator fails on it too): restore the file or remove the entry with drizzle-kit drop`,
      );
    }
    const relative = dir === path ? `${entry.tag}.sql` : `drizzle/${entry.tag}.sql`;
    migrations.push({
      tool: 'drizzle',
      id: entry.tag,
      file: relative,
      path: file,
      sql: await readText(file),
      firstLine: 1,
      when: entry.when,
    });
  }
  return migrations;
}

function parseJournal(file: string, text: string): z.infer<typeof journalSchema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ImportError('IMPORT_SOURCE_JOURNAL', `${file} is not JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = journalSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` at ${issue.path.join('.') || '(top)'}: ${issue.message}`;
    throw new ImportError('IMPORT_SOURCE_JOURNAL', `${file} is not a drizzle-kit journal${where}`, { cause: parsed.error });
  }
  // drizzle-kit writes "postgresql"; before 0.21 it wrote "pg".
  if (parsed.data.dialect !== 'postgresql' && parsed.data.dialect !== 'pg') {
    throw new ImportError(
      'IMPORT_SOURCE_NOT_POSTGRES',
      `${file} says dialect "${parsed.data.dialect}": these migrations were generated for another database, and online migrates PostgreSQL only`,
    );
  }
  return parsed.data;
}
