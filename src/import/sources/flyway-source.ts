// Flyway's SQL migrations: `V<version>__<description>.sql` anywhere under the location (Flyway scans it
// recursively), applied in version order. Repeatable (`R__`) and undo (`U<version>__`) scripts are not
// versioned forward changes: they are left to Flyway and reported as skipped.
import { join } from 'node:path';
import { ImportError } from '../../errors/index.js';
import type { SourceMigration } from '../import-types.js';
import { compareFlywayVersions, flywayVersionText, parseFlywayVersion, type FlywayVersion } from './flyway-version.js';
import type { SkippedSourceFile } from './skipped-source-file.js';
import { exists, filesBelow, listDirectory, readText, relativeFile } from './source-files.js';

/** `V2__add_priority.sql`, `V1_1__x.sql`, `V2025.01.15__x.sql`: the file name, without its directory. */
export const versionedScript = /^V([0-9][0-9._]*)__(.*)\.sql$/;

export interface FlywayRead {
  readonly migrations: readonly SourceMigration[];
  readonly skipped: readonly SkippedSourceFile[];
}

/** Where Flyway looks when given a project: its CLI's `sql/`, then the Java default `src/main/resources/db/migration`, then `db/migration`. */
const defaultLocations = ['sql', 'src/main/resources/db/migration', 'db/migration'];

/**
 * The location: `path` itself when it holds a V script directly, else the first default location below it
 * that exists. A script's id is its path below the location, as Flyway records it.
 */
export async function flywayLocation(path: string): Promise<string> {
  if ((await listDirectory(path)).some((e) => !e.isDirectory && versionedScript.test(e.name))) return path;
  for (const location of defaultLocations) {
    if (await exists(join(path, location))) return join(path, location);
  }
  return path;
}

export async function readFlywayMigrations(path: string): Promise<FlywayRead> {
  const location = await flywayLocation(path);
  const versioned: { version: FlywayVersion; script: string }[] = [];
  const skipped: SkippedSourceFile[] = [];
  for (const script of await filesBelow(location)) {
    if (!script.endsWith('.sql')) continue;
    const name = script.split('/').at(-1) ?? script;
    const match = versionedScript.exec(name);
    const version = match?.[1] === undefined ? undefined : parseFlywayVersion(match[1]);
    if (version !== undefined) versioned.push({ version, script });
    else skipped.push({ file: script, reason: skipReason(name) });
  }
  versioned.sort((a, b) => compareFlywayVersions(a.version, b.version));
  for (let i = 1; i < versioned.length; i++) {
    const [a, b] = [versioned[i - 1], versioned[i]];
    if (a !== undefined && b !== undefined && compareFlywayVersions(a.version, b.version) === 0) {
      throw new ImportError(
        'IMPORT_SOURCE_LAYOUT',
        `${path}: ${a.script} and ${b.script} have the same version ${flywayVersionText(a.version)} (flyway migrate refuses this too): give one a new version`,
      );
    }
  }
  const migrations: SourceMigration[] = [];
  for (const { script } of versioned) {
    const file = join(location, script);
    const sql = await readText(file);
    refusePlaceholders(script, sql);
    migrations.push({ tool: 'flyway', id: script, file: relativeFile(path, file), path: file, sql, firstLine: 1 });
  }
  return { migrations, skipped };
}

function skipReason(name: string): string {
  if (/^R__/.test(name)) {
    return 'a repeatable migration: Flyway re-runs it after the versioned ones whenever its checksum changes (views, functions, grants), so it stays with Flyway, which still runs it';
  }
  if (/^U[0-9]/.test(name)) return 'an undo migration: it runs only on flyway undo, never forward';
  return 'not a Flyway versioned migration name (V<version>__<description>.sql): Flyway does not run it as a migration (a callback such as afterMigrate.sql, or a misnamed file)';
}

/** Flyway replaces `${name}` from its configuration when it runs a script; the importer cannot know the values. */
function refusePlaceholders(script: string, sql: string): void {
  const found = /\$\{([^}\n]*)\}/.exec(sql);
  if (found === null) return;
  const line = 1 + (sql.slice(0, found.index).match(/\n/g)?.length ?? 0);
  throw new ImportError(
    'IMPORT_SOURCE_PLACEHOLDER',
    `${script}:${line}: the Flyway placeholder ${found[0]} is replaced from Flyway's configuration when Flyway runs the script, ` +
      'so the SQL online would run is not the SQL in the file: replace the placeholder with its value in a copy of the migration and import that',
  );
}
