// Integration tests run compiled code: the CLI from dist/ and the crash matrix's driver from build/.
// A build older than the sources would test old code and could pass for it, so the run refuses first.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Build {
  readonly output: string;
  readonly sources: readonly string[];
  readonly command: string;
}

const builds: readonly Build[] = [
  { output: 'dist/src/index.js', sources: ['src', 'phases'], command: 'npm run build' },
  { output: 'build/test/support/lifecycle-driver.js', sources: ['src', 'phases', 'test/support'], command: 'npm run build:test' },
];

function newestSource(folders: readonly string[]): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 };
  for (const folder of folders) {
    for (const name of readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })) {
      if (!name.endsWith('.ts')) continue;
      const file = path.join(folder, name);
      const { mtimeMs } = statSync(path.join(root, file));
      if (mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
    }
  }
  return newest;
}

/** The problems, one line each: a missing build, or one older than a source it compiles. */
export function staleBuilds(): string[] {
  return builds.flatMap(({ output, sources, command }) => {
    const built = path.join(root, output);
    if (!existsSync(built)) return [`${output} is missing: run \`${command}\` (npm test does)`];
    const newest = newestSource(sources);
    return newest.mtimeMs > statSync(built).mtimeMs
      ? [`${output} is older than ${newest.file}: run \`${command}\` (npm test does), or the tests would run old code`]
      : [];
  });
}
