// Which tool wrote a migrations path, from its layout alone: a drizzle journal, a Prisma lock or
// `*/migration.sql`, Flyway's `V<n>__` names, node-pg-migrate's Up/Down markers or program files, else
// plain SQL. More than one signal is ambiguous: `--from` settles it.
import { extname, join } from 'node:path';
import { ImportError } from '../../errors/index.js';
import type { SourceTool } from '../import-types.js';
import { drizzleMigrationsDirectory } from './drizzle-source.js';
import { versionedScript } from './flyway-source.js';
import { upMarker } from './node-pg-migrate-source.js';
import { prismaMigrationsDirectory } from './prisma-source.js';
import { filesBelow, isDirectory, readText } from './source-files.js';

interface Signal {
  readonly tool: SourceTool;
  readonly evidence: string;
}

export async function detectSourceTool(path: string): Promise<SourceTool> {
  const signals = (await isDirectory(path)) ? await directorySignals(path) : await fileSignals(path);
  const tools = [...new Set(signals.map((s) => s.tool))];
  if (tools.length === 1 && tools[0] !== undefined) return tools[0];
  if (tools.length > 1) {
    throw new ImportError(
      'IMPORT_SOURCE_AMBIGUOUS',
      `${path} looks like more than one tool's migrations (${signals.map((s) => `${s.tool}: ${s.evidence}`).join('; ')}): ` +
        `say which with --from ${tools.join('|')}`,
    );
  }
  return 'sql';
}

async function fileSignals(path: string): Promise<readonly Signal[]> {
  const name = path.split(/[\\/]/).at(-1) ?? path;
  if (versionedScript.test(name)) return [{ tool: 'flyway', evidence: `${name} is named V<version>__` }];
  if (name.endsWith('.sql') && upMarker.test(await readText(path)))
    return [{ tool: 'node-pg-migrate', evidence: `${name} has an -- Up Migration marker` }];
  return [];
}

async function directorySignals(path: string): Promise<readonly Signal[]> {
  const signals: Signal[] = [];
  const drizzle = await drizzleMigrationsDirectory(path);
  if (drizzle !== undefined) signals.push({ tool: 'drizzle', evidence: `${join(drizzle, 'meta', '_journal.json')}` });
  const prisma = await prismaMigrationsDirectory(path);
  if (prisma !== undefined) signals.push({ tool: 'prisma', evidence: `${prisma} holds migration_lock.toml or */migration.sql` });
  if (drizzle !== undefined || prisma !== undefined) return signals;
  const files = await filesBelow(path);
  const flyway = files.find((f) => versionedScript.test(f.split('/').at(-1) ?? f));
  if (flyway !== undefined) signals.push({ tool: 'flyway', evidence: `${flyway} is named V<version>__` });
  // node-pg-migrate's files sit in the directory given, or in its default migrations/ below the project.
  const topLevel = files.filter((f) => !f.includes('/') || /^migrations\/[^/]+$/.test(f));
  for (const f of topLevel) {
    if (extname(f) === '.sql' && upMarker.test(await readText(join(path, f)))) {
      signals.push({ tool: 'node-pg-migrate', evidence: `${f} has an -- Up Migration marker` });
      break;
    }
  }
  const program = topLevel.find((f) => /^\d+_.*\.(c|m)?(js|ts)$/.test(f.split('/').at(-1) ?? f));
  if (program !== undefined && !signals.some((s) => s.tool === 'node-pg-migrate')) {
    signals.push({ tool: 'node-pg-migrate', evidence: `${program} is named like a node-pg-migrate migration` });
  }
  return signals;
}
