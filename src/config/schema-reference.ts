// Where an editor finds online's JSON Schemas (online.schema.json for specs, online.config.schema.json
// for the config), as the file that references it writes it. The reference is committed with the
// project, so it must not point out of it through a relative path that only this machine has:
//   - online installed in the project (node_modules/online/<schema>, looked up from the referencing
//     directory up to the project's root as Node resolves packages): relative, `./node_modules/online/…`,
//     valid for everyone who clones the project and runs npm install;
//   - the running copy of online inside the project (online's own checkout): relative too;
//   - otherwise (online run from a clone elsewhere, or installed globally): the running copy's absolute
//     path, correct on this machine only, which `isMachineLocal` tells the command to say.
// The project's root is the nearest directory up from the referencing one with a package.json or .git.
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathKind } from './project-files.js';

export const specSchemaFile = 'online.schema.json';
export const configSchemaFile = 'online.config.schema.json';

/** The reference from `fromDir` to `schemaFile`; `packageRoot` is the running CLI's root (oclif's `config.root`). */
export async function schemaReference(fromDir: string, packageRoot: string, schemaFile: string): Promise<string> {
  const from = resolve(fromDir);
  const root = await projectRoot(from);
  for (let dir = from; ; dir = dirname(dir)) {
    const installed = join(dir, 'node_modules', 'online', schemaFile);
    if ((await pathKind(installed)) === 'file') return portable(relative(from, installed));
    if (dir === root || dirname(dir) === dir) break;
  }
  const running = join(resolve(packageRoot), schemaFile);
  return root !== undefined && isInside(running, root) ? portable(relative(from, running)) : running;
}

/** A reference that only this machine resolves (no copy of online inside the project). */
export function isMachineLocal(reference: string): boolean {
  return isAbsolute(reference);
}

async function projectRoot(from: string): Promise<string | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    for (const marker of ['package.json', '.git']) if ((await pathKind(join(dir, marker))) !== undefined) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Forward slashes, and `./` for a file in the same directory, as editors expect in `$schema`. */
function portable(path: string): string {
  const slashed = path.split(sep).join('/');
  return slashed.startsWith('.') ? slashed : `./${slashed}`;
}
