// Prisma migrate's layout: `migrations/<timestamp>_<name>/migration.sql`, applied in byte order of the
// directory names (prisma-engines sorts them as Rust strings), `migration_lock.toml` naming the provider.
import { join } from 'node:path';
import { ImportError } from '../../errors/index.js';
import type { SourceMigration } from '../import-types.js';
import { byteOrder, exists, listDirectory, readText, wholeFileMigration } from './source-files.js';

/** The migrations directory: `path` itself, `path/migrations` (given `prisma/`) or `path/prisma/migrations` (given the repository). */
export async function prismaMigrationsDirectory(path: string): Promise<string | undefined> {
  for (const candidate of [join(path, 'prisma', 'migrations'), join(path, 'migrations'), path]) {
    if (await exists(join(candidate, 'migration_lock.toml'))) return candidate;
    const entries = await listDirectory(candidate).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory && (await exists(join(candidate, entry.name, 'migration.sql')))) return candidate;
    }
  }
  return undefined;
}

export async function readPrismaMigrations(path: string): Promise<readonly SourceMigration[]> {
  const dir = await prismaMigrationsDirectory(path);
  if (dir === undefined) {
    throw new ImportError(
      'IMPORT_SOURCE_LAYOUT',
      `${path}: no Prisma migrations found (looked for prisma/migrations/*/migration.sql, migrations/*/migration.sql and */migration.sql)`,
    );
  }
  await checkProvider(join(dir, 'migration_lock.toml'));
  const names = (await listDirectory(dir))
    .filter((e) => e.isDirectory)
    .map((e) => e.name)
    .sort(byteOrder);
  const migrations: SourceMigration[] = [];
  for (const name of names) {
    const file = join(dir, name, 'migration.sql');
    if (!(await exists(file))) {
      throw new ImportError(
        'IMPORT_SOURCE_LAYOUT',
        `${join(dir, name)}: a Prisma migration directory without migration.sql (prisma migrate deploy fails on it too): remove the directory or restore the file`,
      );
    }
    migrations.push(await wholeFileMigration('prisma', name, path, file));
  }
  return migrations;
}

/** Prisma writes `provider = "postgresql"`; a lock for another database means these migrations are not PostgreSQL's. */
async function checkProvider(lockFile: string): Promise<void> {
  if (!(await exists(lockFile))) return;
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(await readText(lockFile))?.[1];
  if (provider !== undefined && provider !== 'postgresql' && provider !== 'postgres') {
    throw new ImportError(
      'IMPORT_SOURCE_NOT_POSTGRES',
      `${lockFile} says provider = "${provider}": these migrations were generated for another database, and online migrates PostgreSQL only`,
    );
  }
}
