// Where an editor finds online's JSON Schemas (online.schema.json for specs, online.config.schema.json
// for the config), written as a path relative to the file that references it. An installed package
// is preferred: node_modules/online/<schema>, looked up from the referencing directory upwards as
// Node resolves packages, so the reference stays valid for everyone who clones the project and runs
// npm install. Otherwise (online run from a checkout, or installed globally) it is the running
// package's own copy, which is correct on this machine only.
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathKind } from './project-files.js';

export const specSchemaFile = 'online.schema.json';
export const configSchemaFile = 'online.config.schema.json';

/** The path from `fromDir` to `schemaFile`; `packageRoot` is the running CLI's root (oclif's `config.root`). */
export async function schemaReference(fromDir: string, packageRoot: string, schemaFile: string): Promise<string> {
  const from = resolve(fromDir);
  for (let dir = from; ; dir = dirname(dir)) {
    const installed = join(dir, 'node_modules', 'online', schemaFile);
    if ((await pathKind(installed)) === 'file') return portable(relative(from, installed));
    if (dirname(dir) === dir) break;
  }
  return portable(relative(from, join(packageRoot, schemaFile)));
}

/** Forward slashes, and `./` for a file in the same directory, as editors expect in `$schema`. */
function portable(path: string): string {
  const slashed = path.split(sep).join('/');
  return slashed.startsWith('.') || slashed.startsWith('/') ? slashed : `./${slashed}`;
}
