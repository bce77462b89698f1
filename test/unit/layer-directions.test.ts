// The folders are layers, and imports only point down: commands → cli → api → phases → operations → db →
// errors, with every other folder slotted in between. A file may import its own folder or any folder below.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Top to bottom. `src/index.ts` is the library's front door and sits with `api`. */
const layers = [
  'src/commands',
  'src/cli',
  'src/rehearsal',
  'src/demo',
  'src/import',
  'src/config',
  'src/api',
  'src/lifecycle',
  'phases',
  'src/events.ts',
  'src/state',
  'src/migration-spec',
  'src/settings',
  'src/throttle',
  'src/forecast',
  'src/hazards',
  'src/operations',
  'src/preflight',
  'src/ddl',
  'src/plan',
  'src/catalog',
  'src/sql-grammar',
  'src/embedded',
  'src/db',
  'src/sql-text',
  'src/errors',
] as const;

function layerOf(file: string): number {
  const relative = path.relative(root, file).split(path.sep).join('/');
  if (relative === 'src/index.ts') return layers.indexOf('src/api');
  const index = layers.findIndex((layer) => relative === layer || relative.startsWith(`${layer}/`));
  if (index < 0) throw new Error(`${relative} is in no layer: add its folder to the list in this test`);
  return index;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => path.join(root, folder, name));
}

function upwardImports(): string[] {
  const found: string[] = [];
  for (const file of [...sourceFiles('src'), ...sourceFiles('phases')]) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), match[1]!.replace(/\.js$/, '.ts'));
      if (layerOf(target) < layerOf(file)) {
        found.push(`${path.relative(root, file)} imports ${path.relative(root, target)}`);
      }
    }
  }
  return found;
}

describe('layer directions', () => {
  it('every folder of src/ and phases/ has its place in the layer list', () => {
    for (const file of [...sourceFiles('src'), ...sourceFiles('phases')]) expect(() => layerOf(file)).not.toThrow();
  });

  it('every folder opens with a README.md of one line on what it is for', () => {
    const folders = ['src', 'phases', 'test'].flatMap((top) => [
      top,
      ...readdirSync(path.join(root, top), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isDirectory() && entry.name !== '__snapshots__')
        .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
        // Inside an import fixture the layout is the migration tool's: a README.md there would be one more migration file to it.
        .filter((folder) => !/^test\/fixtures\/import\/[^/]+\/./.test(folder.split(path.sep).join('/'))),
    ]);
    const withoutOneLine = folders.filter((folder) => {
      const readme = path.join(root, folder, 'README.md');
      return !existsSync(readme) || readFileSync(readme, 'utf8').trim().split('\n').length !== 1;
    });
    expect(withoutOneLine).toEqual([]);
  });

  it('every source file opens with a comment line on what it is for', () => {
    const withoutOne = [...sourceFiles('src'), ...sourceFiles('phases')].filter((file) => !readFileSync(file, 'utf8').startsWith('// '));
    expect(withoutOne.map((file) => path.relative(root, file))).toEqual([]);
  });

  it('no file imports a folder above its own', () => {
    expect(upwardImports()).toEqual([]);
  });
});
