// `online start <target>` when the target is not an operation: a spec file, or a mistyped operation.
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { UnknownOperationError } from '../errors/index.js';
import { loadSpecFile } from '../migration-spec/load-spec.js';
import type { MigrationSpec } from '../migration-spec/migration-spec.js';
import { specExtensions } from '../migration-spec/spec-directory.js';

/** Whether the target reads as a path (a separator or a spec extension) rather than an operation name. */
const looksLikePath = (target: string): boolean => /[/\\]/.test(target) || specExtensions.includes(extname(target).toLowerCase());

/** Loads the spec file; a target that is no file and does not look like a path is taken as a mistyped operation. */
export async function loadSpecTarget(target: string, operations: readonly string[]): Promise<MigrationSpec> {
  if (!looksLikePath(target) && !existsSync(target)) throw new UnknownOperationError(target, operations);
  return loadSpecFile(target);
}
