// Loads a migration spec from a YAML or JSON file (or an object) and validates it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { SpecError } from '../errors/index.js';
import { formatIssue, specIssues } from './format-issues.js';
import type { SpecIssue } from '../errors/index.js';
import { migrationName, migrationSpec, type MigrationSpec } from './migration-spec.js';
import { defaultMigrationName } from '../operations/index.js';

function invalidSpec(source: string, details: readonly SpecIssue[]): SpecError {
  return new SpecError(source, details.map(formatIssue), { details });
}

/** Validates an already-parsed spec. `fallbackName` is used when the spec has no `name`. */
export function parseSpec(input: unknown, source: string, fallbackName?: string): MigrationSpec {
  const parsed = migrationSpec.safeParse(input);
  if (!parsed.success) throw invalidSpec(source, specIssues(parsed.error));
  const first = parsed.data.operations[0];
  const name = parsed.data.name ?? fallbackName ?? (first === undefined ? undefined : defaultMigrationName(first));
  const checkedName = migrationName.safeParse(name);
  if (!checkedName.success) throw invalidSpec(source, specIssues(checkedName.error, ['name']));
  return { name: checkedName.data, operations: parsed.data.operations };
}

/** Reads `.yaml`, `.yml` or `.json`. The migration name defaults to the file name without extension. */
export async function loadSpecFile(path: string): Promise<MigrationSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SpecError(path, [`cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`], { cause: error });
  }
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos !== undefined ? ` at line ${error.linePos[0].line}` : '';
    throw new SpecError(
      path,
      [`not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}${where}: ${(error as Error).message.split('\n')[0]}`],
      { cause: error },
    );
  }
  const fileName = basename(path, extname(path));
  return parseSpec(data, path, migrationName.safeParse(fileName).success ? fileName : undefined);
}

/** A stable hash of the validated spec (key order does not matter). */
export function specHash(spec: MigrationSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
